package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.awaitility.Awaitility;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A route's split between a stable and a canary upstream: weights, a header that wins, stickiness, and a reload that moves the weights. */
class CanarySplitTest {

    private static final String SPLIT = """
        nexus {
          upstreams { stable { targets = [${upstreams.stable}] }, canary { targets = [${upstreams.canary}] } }
          routes = [
            { name = "shop", path = "/shop",
              split = [ { upstream = "stable", weight = 80 },
                        { upstream = "canary", weight = 20, match-header { name = "X-Canary", value = "1" } } ] }
            { name = "sticky", path = "/sticky", split-sticky { header = "X-User" },
              split = [ { upstream = "stable", weight = 50 }, { upstream = "canary", weight = 50 } ] }
            { name = "cookie", path = "/cookie", split-sticky { cookie = "uid" },
              split = [ { upstream = "stable", weight = 50 }, { upstream = "canary", weight = 50 } ] }
          ]
        }
        """;

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("stable")
        .recordingUpstream("canary")
        .config(SPLIT)
        .perMethod()
        .build();

    private static String side(ContentResponse response) {
        assertThat(response.getStatus()).isEqualTo(200);
        return response.getHeaders().get("X-Upstream");
    }

    @Test
    void requestsAreSharedByWeightAndTheMetricsShowTheSplit() throws Exception {
        Map<String, Integer> sides = new HashMap<>();
        for (int i = 0; i < 500; i++) {
            sides.merge(side(nexus.get("/shop/x")), 1, Integer::sum);
        }
        // Binomial(500, 0.2): mean 100, standard deviation about 9; 55 to 145 is five of them.
        assertThat(sides.get("canary")).isBetween(55, 145);
        assertThat(sides.get("stable") + sides.get("canary")).isEqualTo(500);
        nexus.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_upstream_request_duration_seconds_count{upstream=\"canary\"} " + sides.get("canary") + "\n")
            .contains("nexus_upstream_request_duration_seconds_count{upstream=\"stable\"} " + sides.get("stable") + "\n"));
    }

    @Test
    void aMatchingHeaderWinsOverTheWeights() throws Exception {
        for (int i = 0; i < 30; i++) {
            assertThat(side(nexus.request("/shop/x").headers(h -> h.put("X-Canary", "1")).send())).isEqualTo("canary");
        }
        assertThat(nexus.upstream("stable").requestCount()).isZero();
    }

    @Test
    void aStickyHeaderOrCookieKeepsEachUserOnOneSide() throws Exception {
        Map<String, String> byUser = new HashMap<>();
        for (int round = 0; round < 4; round++) {
            for (int user = 0; user < 40; user++) {
                String id = "user-" + user;
                String header = side(nexus.request("/sticky/x").headers(h -> h.put("X-User", id)).send());
                String cookie = side(nexus.request("/cookie/x").headers(h -> h.put("Cookie", "theme=dark; uid=" + id)).send());
                assertThat(header).as(id).isEqualTo(cookie);
                assertThat(byUser.putIfAbsent(id, header)).as(id).isIn(null, header);
            }
        }
        assertThat(byUser.values()).contains("stable", "canary");
    }

    @Test
    void aReloadThatMovesTheWeightsShiftsTrafficWithoutDroppingARequest() throws Exception {
        String allStable = SPLIT.replace("weight = 80", "weight = 100").replace("weight = 20", "weight = 0");
        String allCanary = SPLIT.replace("weight = 80", "weight = 0").replace("weight = 20", "weight = 100");
        TestGateway gateway = nexus.gateway();
        gateway.apply(nexus.configText(allStable));
        List<String> failures = new CopyOnWriteArrayList<>();
        Map<String, LongAdder> sides = new ConcurrentHashMap<>();
        AtomicBoolean reloaded = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            clients.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    boolean after = reloaded.get();
                    try {
                        ContentResponse response = gateway.get("/shop/x");
                        if (response.getStatus() != 200) {
                            failures.add(response.getStatus() + " " + response.getContentAsString());
                        }
                        // Sent after the reload returned: must see the new weights.
                        String side = response.getHeaders().get("X-Upstream");
                        sides.computeIfAbsent((after ? "after:" : "before:") + side, k -> new LongAdder()).increment();
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sides.getOrDefault("before:stable", new LongAdder()).sum() >= 200);
        gateway.apply(nexus.configText(allCanary));
        reloaded.set(true);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sides.getOrDefault("after:canary", new LongAdder()).sum() >= 200);
        stop.set(true);
        for (Thread client : clients) {
            client.join(Duration.ofSeconds(10));
        }
        assertThat(failures).isEmpty();
        assertThat(sides).doesNotContainKey("after:stable");
        assertThat(sides.get("before:stable").sum()).isGreaterThanOrEqualTo(200);
    }
}
