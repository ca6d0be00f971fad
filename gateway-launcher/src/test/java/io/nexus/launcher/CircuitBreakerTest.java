package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.testing.RecordingUpstream;
import java.time.Duration;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CircuitBreakerTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .recordingUpstream("strict")
        .recordingUpstream("lenient")
        .config("""
            nexus {
              upstreams {
                up {
                  targets = [${upstreams.up}]
                  health-check.passive.enabled = false
                  circuit-breaker { failure-rate-threshold = 50, sliding-window-size = 4, minimum-calls = 4,
                                    wait-in-open = 500ms, permitted-calls-in-half-open = 1 }
                }
                // A 500 counts here (an upstream whose 500s mean it is broken), for breaker and ejection alike.
                strict {
                  targets = [${upstreams.strict}]
                  failure-statuses = [500]
                  health-check.passive { consecutive-failures = 4, max-ejection-percent = 100 }
                  circuit-breaker { sliding-window-size = 4, minimum-calls = 4, wait-in-open = 30s }
                }
                // The defaults, with quick ejection: 501s a client provokes must never eject the target.
                lenient {
                  targets = [${upstreams.lenient}]
                  health-check.passive { consecutive-failures = 3, max-ejection-percent = 100 }
                  circuit-breaker { sliding-window-size = 4, minimum-calls = 4, wait-in-open = 30s }
                }
              }
              routes = [
                { name = "strict", path = "/strict", upstream = "strict" }
                { name = "lenient", path = "/lenient", upstream = "lenient" }
                { name = "up", path = "/", upstream = "up" }
              ]
            }
            """)
        .build();

    @Test
    void breakerOpensHalfOpensAndClosesWithMetrics() throws Exception {
        RecordingUpstream upstream = nexus.upstream("up");
        TestGateway gateway = nexus.gateway();
        // 500 and 501 are what any client provokes (a bug, an unknown method): they never count.
        for (int status : new int[] {500, 501}) {
            upstream.answerAll(status);
            for (int i = 0; i < 8; i++) {
                assertThat(gateway.get("/x").getStatus()).isEqualTo(status);
            }
        }
        assertThat(gateway.metrics()).contains("nexus_circuit_breaker_state{state=\"closed\",upstream=\"up\"} 1.0");

        upstream.answerAll(503);
        for (int i = 0; i < 4; i++) {
            assertThat(gateway.get("/x").getStatus()).isEqualTo(503);
        }
        int reached = upstream.requestCount();

        ContentResponse refused = gateway.get("/x");
        assertThat(refused.getStatus()).isEqualTo(503);
        assertThat(refused.getContentAsString()).contains("\"code\":\"upstream_unavailable\"").contains("\"cause\":\"breaker_open\"")
            .contains("circuit breaker of upstream up is open");
        assertThat(upstream.requestCount()).as("an open breaker does not touch the upstream").isEqualTo(reached);
        gateway.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_circuit_breaker_state{state=\"open\",upstream=\"up\"} 1.0")
            .contains("nexus_circuit_breaker_state{state=\"closed\",upstream=\"up\"} 0.0")
            .contains("nexus_circuit_breaker_transitions_total{from=\"closed\",to=\"open\",upstream=\"up\"} 1.0"));

        upstream.answerAll(0);
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_circuit_breaker_state{state=\"half_open\",upstream=\"up\"} 1.0"));
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.get("/x").getStatus() == 200);
        gateway.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_circuit_breaker_state{state=\"closed\",upstream=\"up\"} 1.0")
            .contains("nexus_circuit_breaker_transitions_total{from=\"open\",to=\"half_open\",upstream=\"up\"} 1.0")
            .contains("nexus_circuit_breaker_transitions_total{from=\"half_open\",to=\"closed\",upstream=\"up\"} 1.0"));
        assertThat(TestGateway.send(gateway.adminRequest("/api/v1/upstreams")).getStatus()).isEqualTo(403);
    }

    @Test
    void theStatusesThatCountAreSetPerUpstreamForTheBreakerAndPassiveEjectionAlike() throws Exception {
        TestGateway gateway = nexus.gateway();
        nexus.upstream("lenient").answerAll(501);
        nexus.upstream("strict").answerAll(500);
        for (int i = 0; i < 8; i++) {
            assertThat(gateway.get("/lenient/x").getStatus()).isEqualTo(501);
        }
        for (int i = 0; i < 4; i++) {
            assertThat(gateway.get("/strict/x").getStatus()).isEqualTo(500);
        }
        assertThat(gateway.get("/strict/x").getStatus()).isEqualTo(503);
        gateway.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_circuit_breaker_state{state=\"open\",upstream=\"strict\"} 1.0")
            .containsPattern("nexus_upstream_target_healthy\\{target=\"[^\"]+\",upstream=\"strict\"} 0.0")
            .contains("nexus_circuit_breaker_state{state=\"closed\",upstream=\"lenient\"} 1.0")
            .containsPattern("nexus_upstream_target_healthy\\{target=\"[^\"]+\",upstream=\"lenient\"} 1.0"));
    }
}
