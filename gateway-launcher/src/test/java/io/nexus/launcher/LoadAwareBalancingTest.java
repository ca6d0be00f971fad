package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.testing.RecordingUpstream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code least-request} and {@code p2c-ewma} over real upstreams, and the in-flight counts they rest on. */
class LoadAwareBalancingTest {

    private static final Pattern INFLIGHT = Pattern.compile("(?m)^nexus_upstream_target_inflight_requests\\{([^}]*)} (\\S+)$");

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .upstream("slow", new DelayedHandler("slow", 60))
        .upstream("fast1", new DelayedHandler("fast1", 1))
        .upstream("fast2", new DelayedHandler("fast2", 1))
        .recordingUpstream("a")
        .recordingUpstream("b")
        .refusingUpstream("refusing")
        .config("""
            nexus {
              upstreams {
                lr { targets = [${upstreams.slow}, ${upstreams.fast1}, ${upstreams.fast2}], balancer = least-request }
                ewma { targets = [${upstreams.slow}, ${upstreams.fast1}, ${upstreams.fast2}], balancer = p2c-ewma }
                weighted { targets = [{ url = ${upstreams.a}, weight = 3 }, { url = ${upstreams.b}, weight = 1 }], balancer = least-request }
                churn {
                  targets = [${upstreams.a}, ${upstreams.b}, ${upstreams.refusing}], balancer = least-request
                  circuit-breaker.enabled = false, health-check.passive.enabled = false
                }
              }
              routes = [
                { name = "lr", path = "/lr", upstream = "lr" }
                { name = "ewma", path = "/ewma", upstream = "ewma" }
                { name = "weighted", path = "/weighted", upstream = "weighted" }
                { name = "churn", path = "/churn", upstream = "churn", strip-prefix = true, request-timeout = 300ms,
                  retries { attempts = 3, budget-percent = 100, min-retries = 1000 } }
              ]
            }
            """)
        .build();

    /** Answers after a fixed delay with {@code X-Upstream: name}, without holding a thread. */
    private static final class DelayedHandler extends Handler.Abstract.NonBlocking {
        private final String name;
        private final long delayMillis;

        DelayedHandler(String name, long delayMillis) {
            this.name = name;
            this.delayMillis = delayMillis;
        }

        @Override
        public boolean handle(org.eclipse.jetty.server.Request request, Response response, Callback callback) {
            response.getHeaders().put("X-Upstream", name);
            request.getComponents().getScheduler().schedule(() -> response.write(true, null, callback), delayMillis, TimeUnit.MILLISECONDS);
            return true;
        }
    }

    /** {@code requests} GETs from {@code clients} concurrent clients; the answering upstream of each, counted. */
    private static Map<String, Integer> spread(String path, int clients, int requests) throws Exception {
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        AtomicInteger left = new AtomicInteger(requests);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                running.add(threads.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        ContentResponse response = nexus.request(path).timeout(10, TimeUnit.SECONDS).send();
                        assertThat(response.getStatus()).isEqualTo(200);
                        counts.merge(response.getHeaders().get("X-Upstream"), 1, Integer::sum);
                    }
                    return null;
                }));
            }
            for (Future<?> client : running) {
                client.get(60, TimeUnit.SECONDS);
            }
        }
        return counts;
    }

    /** The in-flight gauge of every target of an upstream. */
    private static List<Integer> inflight(String metrics, String upstream) {
        List<Integer> counts = new ArrayList<>();
        Matcher gauge = INFLIGHT.matcher(metrics);
        while (gauge.find()) {
            if (gauge.group(1).contains("upstream=\"" + upstream + "\"")) {
                counts.add((int) Double.parseDouble(gauge.group(2)));
            }
        }
        return counts;
    }

    @ParameterizedTest
    @ValueSource(strings = {"/lr", "/ewma"})
    void slowTargetGetsASmallShare(String path) throws Exception {
        Map<String, Integer> counts = spread(path, 8, 600);
        System.out.printf("LoadAwareBalancingTest %s: %s%n", path, counts);
        // Round-robin would send it 200 of 600; both balancers see it busy (or slow) and send it far fewer.
        assertThat(counts.getOrDefault("slow", 0)).isLessThan(90);
        assertThat(counts.get("fast1") + counts.get("fast2")).isGreaterThan(510);
    }

    @Test
    void leastRequestFollowsWeightsUnderLightLoad() throws Exception {
        Map<String, Integer> counts = spread("/weighted", 1, 400);
        // Nothing in flight at each pick: the first draw, 3:1 by weight, decides (300 expected, sd ~9).
        assertThat(counts.get("a")).isBetween(260, 340);
    }

    /**
     * Attempts that are retried (a refused connection), time out (300 ms against a held request),
     * and whose client leaves (a reset mid-response), all at once: every target's in-flight count
     * stays at 0 or above throughout and comes back to 0.
     */
    @Test
    void inflightCountsNeverGoNegativeNorLeakAcrossRetriesTimeoutsAndClientAborts() throws Exception {
        RecordingUpstream a = nexus.upstream("a");
        RecordingUpstream b = nexus.upstream("b");
        a.rearm();
        b.rearm();
        AtomicBoolean scraping = new AtomicBoolean(true);
        List<Integer> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> scraper = threads.submit(() -> {
                while (scraping.get()) {
                    seen.addAll(inflight(nexus.metrics(), "churn"));
                    Thread.sleep(20);
                }
                return null;
            });
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < 12; c++) {
                int kind = c % 3;
                clients.add(threads.submit(() -> {
                    for (int i = 0; i < 8; i++) {
                        switch (kind) {
                            // Plain requests, retried away from the refusing target (which, failing fast, looks idle).
                            case 0 -> assertThat(nexus.request("/churn/x").timeout(10, TimeUnit.SECONDS).send().getStatus()).isIn(200, 502);
                            // Held upstream: the route's 300 ms deadline ends it with 504.
                            case 1 -> assertThat(nexus.request("/churn/hold").timeout(10, TimeUnit.SECONDS).send().getStatus()).isIn(502, 504);
                            // A client that resets its connection mid-response: 499.
                            default -> {
                                try (Socket socket = new Socket("127.0.0.1", nexus.gateway().publicPort())) {
                                    socket.setReceiveBufferSize(4096);
                                    socket.getOutputStream().write("GET /churn/large?bytes=4000000 HTTP/1.1\r\nHost: nexus\r\n\r\n"
                                        .getBytes(StandardCharsets.US_ASCII));
                                    socket.getInputStream().readNBytes(1024);
                                    socket.setSoLinger(true, 0);
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : clients) {
                client.get(60, TimeUnit.SECONDS);
            }
            a.release();
            b.release();
            nexus.awaitMetrics(metrics -> assertThat(inflight(metrics, "churn")).hasSize(3).containsOnly(0));
            scraping.set(false);
            scraper.get(10, TimeUnit.SECONDS);
        } finally {
            a.release();
            b.release();
        }
        assertThat(seen).isNotEmpty().allSatisfy(count -> assertThat(count).isGreaterThanOrEqualTo(0));
        // Held requests were in flight at some scrape: the gauge does count.
        assertThat(seen.stream().mapToInt(Integer::intValue).max().orElse(0)).isPositive();
        nexus.awaitMetrics(metrics -> assertThat(metrics)
            .containsPattern("nexus_requests_total\\{code=\"499\",group=\"\",method=\"GET\",route=\"churn\"} [1-9]")
            .containsPattern("nexus_requests_total\\{code=\"504\",group=\"\",method=\"GET\",route=\"churn\"} [1-9]"));
    }
}
