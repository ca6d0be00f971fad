package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.observability.AccessLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 18's drill in a test: two targets, each a real OS process, under a load of GETs through
 * the gateway; one is killed (SIGKILL) mid-load, and not one request fails. The requests that
 * were on its connections, and those that met its closed port before passive health ejected it,
 * went to the other target, by default (no {@code retries} block anywhere).
 */
class TargetKillTest {

    private static final int CLIENTS = 8;
    private static final Pattern CAUSE = Pattern.compile("\"cause\":\"([a-z_]+)\"");

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .started("doomed", () -> started("doomed"))
        .started("survivor", () -> started("survivor"))
        .config("""
            nexus {
              upstreams { up { targets = [${upstreams.doomed}, ${upstreams.survivor}] } }
              routes = [{ name = "up", path = "/", upstream = "up" }]
              observability.access-log.sample-ratio = 0
            }
            """)
        .build();

    private static GatewayExtension.Started started(String name) throws Exception {
        UpstreamProcess process = UpstreamProcess.start(name);
        return new GatewayExtension.Started(process.url(), process, process);
    }

    /** The contract's cause in an error body, so that failures are counted by kind. */
    private static String cause(String body) {
        Matcher cause = CAUSE.matcher(body);
        return cause.find() ? cause.group(1) : body;
    }

    @Test
    void killingATargetMidLoadFailsNoGet() throws Exception {
        UpstreamProcess doomed = nexus.fixtureOf("doomed", UpstreamProcess.class);
        LongAdder answered = new LongAdder();
        Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> servedBy = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        try (CapturedLog log = new CapturedLog(AccessLog.LOGGER)) {
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(Thread.ofVirtual().name("load-" + i).start(() -> {
                    while (!stop.get()) {
                        String outcome;
                        try {
                            var response = nexus.get("/items/7");
                            outcome = response.getStatus() == 200 ? null : response.getStatus() + " " + cause(response.getContentAsString());
                            if (outcome == null) {
                                servedBy.computeIfAbsent(response.getHeaders().get("X-Upstream"), k -> new AtomicInteger()).incrementAndGet();
                            }
                        } catch (Exception e) {
                            outcome = e.toString();
                        }
                        if (outcome != null) {
                            failures.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
                        }
                        answered.increment();
                    }
                }));
            }
            try {
                // Counts, not time: a loaded machine only makes it slower (about 2 s when quiet).
                await().atMost(Duration.ofSeconds(60)).until(() -> answered.sum() >= 200);
                doomed.kill();
                long atKill = answered.sum();
                assertThat(doomed.isAlive()).isFalse();
                await().atMost(Duration.ofSeconds(60)).until(() -> answered.sum() >= atKill + 1000);
            } finally {
                stop.set(true);
                for (Thread client : clients) {
                    client.join(Duration.ofSeconds(15));
                }
            }
            assertThat(failures).as("failed requests out of %d", answered.sum()).isEmpty();
            assertThat(servedBy.keySet()).containsExactlyInAnyOrder("doomed", "survivor");
            // The kill met requests: they were retried on the survivor, each written with its cause and attempts.
            await().atMost(Duration.ofSeconds(5)).until(() -> log.events.stream().anyMatch(e -> CapturedLog.field(e, "retry_cause") != null));
            assertThat(log.events.stream().filter(e -> CapturedLog.field(e, "retry_cause") != null)).allSatisfy(line -> {
                assertThat(CapturedLog.field(line, "retry_cause")).isIn("upstream_reset", "connect_refused");
                assertThat(CapturedLog.field(line, "attempts")).isEqualTo(2);
                assertThat(CapturedLog.field(line, "status")).isEqualTo(200);
            });
        }
    }
}
