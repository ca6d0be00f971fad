package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.observability.AccessLog;
import io.nexus.gateway.testing.RecordingUpstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A spike far above what a slow but healthy upstream can take: the upstream gets at most
 * {@code max-requests} at once, at most {@code max-pending-requests} wait for a place for at most
 * {@code queue-timeout}, and the rest are answered at once with 503 {@code overloaded}, never a
 * 502, and never held against the upstream: its breaker stays closed and it serves the next request.
 */
class OverloadTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .perMethod()
        .recordingUpstream("slow")
        .config("""
            nexus {
              upstreams.slow {
                targets = [${upstreams.slow}]
                max-requests = 2
                max-pending-requests = 2
                queue-timeout = 1s
                circuit-breaker { minimum-calls = 2, sliding-window-size = 4 }
              }
              routes = [{ name = "slow", path = "/", upstream = "slow" }]
            }
            """)
        .build();

    /** Under an error storm the access log writes a bounded number of lines, and summaries that add up to the rest. */
    @Test
    void errorLinesAreLimitedAndSummarized() throws Exception {
        try (CapturedLog log = new CapturedLog(AccessLog.LOGGER)) {
            TestGateway gateway = nexus.startGateway("""
                nexus {
                  upstreams.slow { targets = [${upstreams.slow}], max-requests = 1, max-pending-requests = 0 }
                  routes = [{ name = "slow", path = "/", upstream = "slow" }]
                  observability.access-log.max-error-lines-per-second = 3
                }
                """);
            RecordingUpstream slow = nexus.upstream("slow");
            CompletableFuture<ContentResponse> holding = new CompletableResponseListener(gateway.client(Protocol.HTTP_1_1).request("/hold"), 1024).send();
            await().atMost(Duration.ofSeconds(5)).until(() -> slow.holding() == 1);
            int refused = 200;
            long start = System.nanoTime();
            for (int i = 0; i < refused; i++) {
                assertThat(gateway.get("/x").getStatus()).isEqualTo(503);
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            slow.release();
            assertThat(holding.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
            // Each line or summary counts refused requests; together they account for all of them.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                long lines = log.events.stream().filter(event -> "upstream_queue_full".equals(CapturedLog.field(event, "cause"))).count();
                long suppressed = log.events.stream().map(event -> CapturedLog.field(event, "suppressed")).filter(Map.class::isInstance)
                    .mapToLong(map -> ((Map<?, ?>) map).values().stream().mapToLong(n -> ((Number) n).longValue()).sum()).sum();
                assertThat(lines + suppressed).isEqualTo(refused);
                // The storm spans at most seconds + 1 of the limiter's one-second windows.
                assertThat(lines).as("at most 3 a second").isLessThanOrEqualTo(3 * (seconds + 2)).isLessThan(refused / 2);
            });
            assertThat(gateway.metrics()).contains("nexus_requests_total{code=\"503\",group=\"\",method=\"GET\",route=\"slow\"} " + refused + ".0");
        }
    }

    @Test
    void aSpikeIsShedAtOnceAndNeverCountsAgainstTheUpstream() throws Exception {
        RecordingUpstream slow = nexus.upstream("slow");
        TestGateway gateway = nexus.gateway();
        GatewayClient client = gateway.client(Protocol.HTTP_1_1);
        List<CompletableFuture<ContentResponse>> served = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            served.add(new CompletableResponseListener(client.request("/hold"), 1024).send());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> slow.holding() == 2);
        List<CompletableFuture<ContentResponse>> waiting = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            waiting.add(new CompletableResponseListener(client.request("/hold"), 1024).send());
        }
        gateway.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_upstream_active_requests{upstream=\"slow\"} 2.0")
            .contains("nexus_upstream_pending_requests{upstream=\"slow\"} 2.0"));

        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            ContentResponse refused = gateway.get("/hold");
            assertThat(refused.getStatus()).isEqualTo(503);
            assertThat(refused.getHeaders().get("Retry-After")).isEqualTo("1");
            assertThat(refused.getContentAsString()).contains("\"code\":\"overloaded\"").contains("\"cause\":\"upstream_queue_full\"");
            assertThat((System.nanoTime() - start) / 1_000_000).as("shed at once, not after the queue timeout").isLessThan(300);
        }
        for (CompletableFuture<ContentResponse> late : waiting) {
            ContentResponse timedOut = late.get(10, TimeUnit.SECONDS);
            assertThat(timedOut.getStatus()).isEqualTo(503);
            assertThat(timedOut.getContentAsString()).contains("\"cause\":\"queue_timeout\"");
        }
        slow.release();
        for (CompletableFuture<ContentResponse> ok : served) {
            assertThat(ok.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        }
        assertThat(slow.maxHolding()).as("the upstream never had more than max-requests").isEqualTo(2);

        String metrics = gateway.metrics();
        assertThat(metrics)
            .contains("nexus_circuit_breaker_state{state=\"closed\",upstream=\"slow\"} 1.0")
            .contains("nexus_upstream_errors_total{cause=\"upstream_queue_full\",upstream=\"slow\"} 5.0")
            .contains("nexus_upstream_errors_total{cause=\"queue_timeout\",upstream=\"slow\"} 2.0")
            .contains("nexus_requests_total{code=\"503\",group=\"\",method=\"GET\",route=\"slow\"} 7.0")
            .doesNotContain("code=\"502\"");
        gateway.awaitMetrics(after -> assertThat(after)
            .contains("nexus_upstream_active_requests{upstream=\"slow\"} 0.0")
            .contains("nexus_upstream_pending_requests{upstream=\"slow\"} 0.0"));
        assertThat(gateway.get("/after").getStatus()).isEqualTo(200);
    }

    /**
     * Sixty clients at once against an upstream that takes 3 s, with two places and a queue of
     * two: only 200s and 503 {@code overloaded}, never a 502; the gauges show the places taken
     * during the spike and fall back to 0 after it (the queue's gauge: the test above); the
     * breaker stays closed and the route serves at once. A real upstream failure afterwards still
     * opens the breaker (the control).
     */
    @Test
    void aSpikeOfManyClientsGivesOnly200sAnd503sWhileARealFailureStillOpensTheBreaker() throws Exception {
        TestGateway gateway = nexus.gateway();
        RecordingUpstream slow = nexus.upstream("slow");
        GatewayClient client = gateway.client(Protocol.HTTP_1_1);
        int clients = 60;
        List<CompletableFuture<ContentResponse>> spike = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Request request = client.request("/spike").headers(headers -> headers.put(RecordingUpstream.DELAY_HEADER, "3000"));
            spike.add(new CompletableResponseListener(request, 1024).send());
        }
        // The two places stay taken for the upstream's 3 s; the two waiting leave after 1 s.
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_upstream_active_requests{upstream=\"slow\"} 2.0"));
        Map<Integer, Long> statuses = new TreeMap<>();
        for (CompletableFuture<ContentResponse> exchange : spike) {
            ContentResponse response = exchange.get(10, TimeUnit.SECONDS);
            statuses.merge(response.getStatus(), 1L, Long::sum);
            if (response.getStatus() == 503) {
                assertThat(response.getContentAsString()).contains("\"code\":\"overloaded\"");
            }
        }
        assertThat(statuses).as("two served, the rest shed").isEqualTo(Map.of(200, 2L, 503, (long) clients - 2));
        gateway.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_upstream_active_requests{upstream=\"slow\"} 0.0")
            .contains("nexus_upstream_pending_requests{upstream=\"slow\"} 0.0"));
        long start = System.nanoTime();
        assertThat(gateway.get("/after").getStatus()).as("the route serves right after the spike").isEqualTo(200);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1_000);
        assertThat(gateway.metrics())
            .contains("nexus_circuit_breaker_state{state=\"closed\",upstream=\"slow\"} 1.0")
            .doesNotContain("code=\"502\"");

        slow.answerAll(503);
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.get("/failing").getContentAsString().contains("\"cause\":\"breaker_open\""));
        gateway.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_circuit_breaker_state{state=\"open\",upstream=\"slow\"} 1.0")
            .contains("nexus_circuit_breaker_transitions_total{from=\"closed\",to=\"open\",upstream=\"slow\"} 1.0"));
    }

    /**
     * {@code priority}: with the only place taken, a low-priority route is refused at once while a
     * normal one waits, and a high-priority request that arrives later gets the freed place first.
     */
    @Test
    void lowIsShedFirstAndHighGetsTheNextPlace() throws Exception {
        TestGateway gateway = nexus.startGateway("""
            nexus {
              upstreams.slow { targets = [${upstreams.slow}], max-requests = 1, max-pending-requests = 2, queue-timeout = 5s }
              routes = [
                { name = "low", path = "/low", upstream = "slow", strip-prefix = true, priority = low }
                { name = "high", path = "/high", upstream = "slow", strip-prefix = true, priority = high }
                { name = "normal", path = "/", upstream = "slow" }
              ]
            }
            """);
        RecordingUpstream slow = nexus.upstream("slow");
        slow.clear();
        GatewayClient client = gateway.client(Protocol.HTTP_1_1);
        CompletableFuture<ContentResponse> holding = new CompletableResponseListener(client.request("/hold"), 1024).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> slow.holding() == 1);

        long start = System.nanoTime();
        ContentResponse low = gateway.get("/low/shed");
        assertThat(low.getStatus()).isEqualTo(503);
        assertThat(low.getContentAsString()).contains("\"code\":\"overloaded\"").contains("\"cause\":\"upstream_queue_full\"");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("refused at once").isLessThan(1_000);

        CompletableFuture<ContentResponse> normal = new CompletableResponseListener(client.request("/normal-waiter"), 1024).send();
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_upstream_pending_requests{upstream=\"slow\"} 1.0"));
        CompletableFuture<ContentResponse> high = new CompletableResponseListener(client.request("/high/high-waiter"), 1024).send();
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_upstream_pending_requests{upstream=\"slow\"} 2.0"));

        slow.release();
        assertThat(holding.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        assertThat(high.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        assertThat(normal.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            order.add(slow.takeRequest().path());
        }
        assertThat(order).as("the high-priority request overtook the normal one that waited").containsExactly("/hold", "/high-waiter", "/normal-waiter");
    }
}
