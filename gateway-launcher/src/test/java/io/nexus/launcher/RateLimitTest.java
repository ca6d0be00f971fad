package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The rate-limit block end to end: real upstream, real gateway, real HTTP. */
class RateLimitTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config("""
            nexus {
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [
                { name = "limited", path = "/limited", upstream = "up", rate-limit { requests = 3, window = 1m, key = route } }
                { name = "by-header", path = "/by-header", upstream = "up",
                  rate-limit { requests = 2, window = 1m, key = header, header = "X-Client" } }
                { name = "untrusted", path = "/untrusted", upstream = "up",
                  rate-limit { requests = 2, window = 1m, trusted-proxies = ["10.0.0.0/8"] } }
                { name = "trusted", path = "/trusted", upstream = "up",
                  rate-limit { requests = 1, window = 1m, trusted-proxies = ["127.0.0.1/32"] } }
                { name = "steady", path = "/steady", upstream = "up", rate-limit { requests = 25, window = 250ms, key = route } }
              ]
            }
            """)
        .build();

    private static RecordingUpstream upstream() {
        return nexus.upstream("up");
    }

    @Test
    void overTheLimitAnswers429WithRetryAfterAndRateLimitHeaders() throws Exception {
        for (int i = 0; i < 3; i++) {
            ContentResponse allowed = nexus.get("/limited/x");
            assertThat(allowed.getStatus()).isEqualTo(200);
            assertThat(allowed.getHeaders().get("RateLimit-Limit")).isEqualTo("3");
            assertThat(allowed.getHeaders().get("RateLimit-Remaining")).isEqualTo(Integer.toString(2 - i));
            assertThat(allowed.getHeaders().getLongField("RateLimit-Reset")).isBetween(1L, 60L);
        }
        upstream().clear();
        ContentResponse refused = nexus.get("/limited/x");
        assertThat(refused.getStatus()).isEqualTo(429);
        assertThat(refused.getHeaders().get("Content-Type")).startsWith("application/json");
        assertThat(refused.getContentAsString())
            .contains("\"status\":429", "\"code\":\"rate_limited\"", "rate limit of 3 requests per 60000ms exceeded")
            .contains("\"request_id\":\"" + refused.getHeaders().get("X-Request-Id") + "\"");
        long retryAfter = refused.getHeaders().getLongField("Retry-After");
        assertThat(retryAfter).isBetween(1L, 120L);
        assertThat(refused.getHeaders().get("RateLimit-Limit")).isEqualTo("3");
        assertThat(refused.getHeaders().get("RateLimit-Remaining")).isEqualTo("0");
        assertThat(refused.getHeaders().getLongField("RateLimit-Reset")).isEqualTo(retryAfter);
        assertThat(upstream().pending()).isZero();
        nexus.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_rate_limited_total{route=\"limited\"} 1.0")
            .contains("nexus_requests_total{code=\"429\",group=\"\",method=\"GET\",route=\"limited\"} 1.0")
            .containsPattern("nexus_rejected_requests_total\\{reason=\"rate_limited\"} [1-9]"));
    }

    @Test
    void keysAreIsolated() throws Exception {
        assertThat(status("/by-header", "X-Client", "greedy")).isEqualTo(200);
        assertThat(status("/by-header", "X-Client", "greedy")).isEqualTo(200);
        assertThat(status("/by-header", "X-Client", "greedy")).isEqualTo(429);
        assertThat(status("/by-header", "X-Client", "quiet")).isEqualTo(200);
        // Requests without the header share one key of their own.
        assertThat(nexus.get("/by-header").getStatus()).isEqualTo(200);
        assertThat(status("/by-header", "X-Client", "quiet")).isEqualTo(200);
        assertThat(status("/by-header", "X-Client", "quiet")).isEqualTo(429);
    }

    @Test
    void aSpoofedForwardedForFromAnUntrustedPeerIsIgnored() throws Exception {
        assertThat(status("/untrusted", "X-Forwarded-For", "1.1.1.1")).isEqualTo(200);
        assertThat(status("/untrusted", "X-Forwarded-For", "2.2.2.2")).isEqualTo(200);
        // A third "client" is still 127.0.0.1: the peer is not a trusted proxy.
        assertThat(status("/untrusted", "X-Forwarded-For", "3.3.3.3")).isEqualTo(429);
    }

    @Test
    void behindATrustedProxyTheForwardedClientIsTheKey() throws Exception {
        assertThat(status("/trusted", "X-Forwarded-For", "1.1.1.1")).isEqualTo(200);
        assertThat(status("/trusted", "X-Forwarded-For", "1.1.1.1")).isEqualTo(429);
        // The client cannot choose its key by prepending entries: the rightmost untrusted one counts.
        assertThat(status("/trusted", "X-Forwarded-For", "9.9.9.9, 1.1.1.1")).isEqualTo(429);
        assertThat(status("/trusted", "X-Forwarded-For", "2.2.2.2")).isEqualTo(200);
    }

    /**
     * Eight concurrent clients saturate a limit of 25 per 250ms (100/s); after one second of
     * warm-up, the requests allowed over the next three seconds (twelve windows) are within 10%
     * of 300. Measured on the wall clock: tagged slow.
     */
    @Test
    @Tag("slow")
    void concurrentClientsGetTheConfiguredRate() throws Exception {
        long start = System.nanoTime();
        long measureFrom = start + Duration.ofSeconds(1).toNanos();
        long measureTo = measureFrom + Duration.ofSeconds(3).toNanos();
        AtomicInteger allowed = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int c = 0; c < 8; c++) {
            clients.add(Thread.ofVirtual().name("rate-client-" + c).start(() -> {
                for (int i = 0; i < 200_000; i++) {
                    long sentAt = System.nanoTime();
                    if (sentAt >= measureTo) {
                        return;
                    }
                    try {
                        int status = nexus.get("/steady/x").getStatus();
                        if (sentAt >= measureFrom) {
                            (status == 200 ? allowed : refused).incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.add(e);
                        return;
                    }
                }
            }));
        }
        for (Thread client : clients) {
            assertThat(client.join(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(failures).isEmpty();
        System.out.printf("rate limit: %d allowed, %d refused in 3s at 100/s%n", allowed.get(), refused.get());
        assertThat(refused.get()).as("the clients saturated the limit").isPositive();
        assertThat(allowed.get()).isBetween(270, 330);
    }

    @Test
    void countsCarryOverAReloadThatKeepsTheLimitersShape() throws Exception {
        TestGateway reloaded = nexus.startGateway(reloadable(2, "1m"));
        assertThat(reloaded.get("/r").getStatus()).isEqualTo(200);
        assertThat(reloaded.get("/r").getStatus()).isEqualTo(200);
        assertThat(reloaded.get("/r").getStatus()).isEqualTo(429);

        reloaded.apply(nexus.configText(reloadable(3, "1m")));
        // Same window and key: the two counted requests still count against the new limit.
        assertThat(reloaded.get("/r").getStatus()).isEqualTo(200);
        assertThat(reloaded.get("/r").getStatus()).isEqualTo(429);

        reloaded.apply(nexus.configText(reloadable(3, "2m")));
        // A new window is a new limiter: it starts from zero.
        for (int i = 0; i < 3; i++) {
            assertThat(reloaded.get("/r").getStatus()).isEqualTo(200);
        }
        assertThat(reloaded.get("/r").getStatus()).isEqualTo(429);
    }

    private static String reloadable(int requests, String window) {
        return """
            nexus {
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [{ name = "r", path = "/r", upstream = "up", rate-limit { requests = %d, window = %s, key = route } }]
            }
            """.formatted(requests, window);
    }

    private static int status(String path, String header, String value) throws Exception {
        return TestGateway.send(nexus.request(path).headers(h -> h.put(header, value))).getStatus();
    }
}
