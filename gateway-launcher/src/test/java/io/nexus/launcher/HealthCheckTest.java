package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.testing.RecordingUpstream;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Targets that go down and come back, seen by passive ejection and by active probes. */
class HealthCheckTest {

    /** Per method: the tests stop upstreams and make them fail. */
    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("good")
        .recordingUpstream("flaky")
        .recordingUpstream("only")
        .recordingUpstream("stable")
        .recordingUpstream("probed")
        .perMethod()
        .build();

    /** Waits out a real 3 s ejection: tagged slow. */
    @Test
    @Tag("slow")
    void failingTargetIsEjectedWithoutClientErrorsAndReturnsAfterTheEjection() throws Exception {
        RecordingUpstream flaky = nexus.upstream("flaky");
        int flakyPort = flaky.port();
        String flakyUrl = flaky.url();
        TestGateway gateway = nexus.startGateway("""
            nexus {
              admin.token = "health-test-token-0123456789"
              upstreams {
                pair {
                  targets = [${upstreams.good}, ${upstreams.flaky}]
                  health-check.passive { consecutive-failures = 2, ejection-time = 3s, max-ejection-percent = 50 }
                  circuit-breaker.enabled = false
                }
              }
              routes = [{ name = "pair", path = "/", upstream = "pair", retries { attempts = 2, min-retries = 100 } }]
            }
            """);
        flaky.close();
        // Connections to the stopped target are refused; retries take the request to the other.
        for (int i = 0; i < 20; i++) {
            assertThat(gateway.get("/x").getStatus()).isEqualTo(200);
        }
        String target = "target=\"" + flakyUrl + "\"";
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_upstream_target_healthy{" + target + ",upstream=\"pair\"} 0.0"));
        String view = TestGateway.send(gateway.adminRequest("/api/v1/upstreams")
            .headers(h -> h.put("Authorization", "Bearer health-test-token-0123456789"))).getContentAsString();
        assertThat(view).contains("\"circuit_breaker\" : \"disabled\"").contains("\"ejected\" : true").contains(flakyUrl);

        // It comes back on the same port; once the ejection is over it gets traffic again.
        try (RecordingUpstream back = RecordingUpstream.start("back", flakyPort)) {
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                gateway.get("/x");
                return back.requestCount() > 0;
            });
            gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_upstream_target_healthy{" + target + ",upstream=\"pair\"} 1.0"));
        }
    }

    @Test
    void neverEjectsBeyondTheMaximumShare() throws Exception {
        RecordingUpstream only = nexus.upstream("only");
        TestGateway gateway = nexus.startGateway("""
            nexus {
              upstreams { solo { targets = [${upstreams.only}], health-check.passive { consecutive-failures = 1 }, circuit-breaker.enabled = false } }
              routes = [{ name = "solo", path = "/", upstream = "solo" }]
            }
            """);
        only.answerAll(503);
        for (int i = 0; i < 5; i++) {
            assertThat(gateway.get("/x").getStatus()).isEqualTo(503);
        }
        // The only target is never ejected: the upstream's own 503s still reach the client.
        assertThat(only.requestCount()).isEqualTo(5);
        assertThat(gateway.metrics()).contains("nexus_upstream_target_healthy{target=\"" + only.url() + "\",upstream=\"solo\"} 1.0");
    }

    @Test
    void activeProbesTakeATargetOutAndBringItBack() throws Exception {
        RecordingUpstream probed = nexus.upstream("probed");
        TestGateway gateway = nexus.startGateway("""
            nexus {
              upstreams {
                probed {
                  targets = [${upstreams.stable}, ${upstreams.probed}]
                  health-check.active { enabled = true, path = "/healthz", interval = 100ms, timeout = 500ms,
                                        healthy-threshold = 1, unhealthy-threshold = 2 }
                  health-check.passive.enabled = false
                }
              }
              routes = [{ name = "probed", path = "/", upstream = "probed" }]
            }
            """);
        await().atMost(Duration.ofSeconds(5)).until(() -> probed.requestCount() >= 2);
        assertThat(probed.takeRequest().path()).isEqualTo("/healthz");

        probed.answerAll(500);
        String target = "nexus_upstream_target_healthy{target=\"" + probed.url() + "\",upstream=\"probed\"}";
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains(target + " 0.0"));
        probed.clear();
        for (int i = 0; i < 10; i++) {
            assertThat(gateway.get("/work").getHeaders().get("X-Upstream")).isEqualTo("stable");
        }
        assertThat(probed.pendingPaths()).doesNotContain("/work");

        probed.answerAll(0);
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains(target + " 1.0"));
        await().atMost(Duration.ofSeconds(5)).until(() -> "probed".equals(gateway.get("/work").getHeaders().get("X-Upstream")));
    }
}
