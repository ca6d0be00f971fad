package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.StringRequestContent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RetryTest {

    /** Per method: the tests count the requests each upstream received. */
    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("failing")
        .recordingUpstream("healthy")
        .refusingUpstream("closed")
        .perMethod()
        .build();

    RecordingUpstream failing;
    RecordingUpstream healthy;

    @BeforeEach
    void failingAnswers503() {
        failing = nexus.upstream("failing");
        failing.answerAll(503);
        healthy = nexus.upstream("healthy");
    }

    /** A gateway whose one upstream has these targets (as HOCON) and its route these retries. */
    private static TestGateway gateway(String targets, String retries) throws Exception {
        return nexus.startGateway("""
            nexus {
              upstreams { up { targets = [%s], health-check.passive.enabled = false, circuit-breaker.enabled = false } }
              routes = [{ name = "up", path = "/", upstream = "up", retries { %s } }]
            }
            """.formatted(targets, retries));
    }

    @Test
    void retryableStatusIsRetriedOnAnotherTarget() throws Exception {
        TestGateway gateway = gateway("${upstreams.failing}, ${upstreams.healthy}", "attempts = 2");
        for (int i = 0; i < 6; i++) {
            ContentResponse response = gateway.get("/x");
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(response.getHeaders().get("X-Upstream")).isEqualTo("healthy");
        }
        assertThat(healthy.requestCount()).isEqualTo(6);
        assertThat(failing.requestCount()).isBetween(1, 6);
    }

    @Test
    void postIsNeverRepeated() throws Exception {
        TestGateway gateway = gateway("${upstreams.failing}, ${upstreams.healthy}", "attempts = 3");
        int failed = 0;
        for (int i = 0; i < 4; i++) {
            ContentResponse response = TestGateway.send(gateway.request("/orders").method("POST").body(new StringRequestContent("{}")));
            if (response.getStatus() == 503) {
                failed++;
            }
        }
        // Every POST reached exactly one target: the 503s went back to the client as they were.
        assertThat(failing.requestCount() + healthy.requestCount()).isEqualTo(4);
        assertThat(failed).isEqualTo(failing.requestCount());
    }

    @Test
    void connectFailureIsRetriedForIdempotentRequestsOnly() throws Exception {
        TestGateway gateway = gateway("${upstreams.closed}, ${upstreams.healthy}", "attempts = 2");
        for (int i = 0; i < 4; i++) {
            assertThat(gateway.get("/x").getStatus()).isEqualTo(200);
        }
        int bad = 0;
        for (int i = 0; i < 4; i++) {
            if (TestGateway.send(gateway.request("/x").method("POST")).getStatus() == 502) {
                bad++;
            }
        }
        assertThat(bad).as("POSTs that met the closed port were not retried").isEqualTo(2);
    }

    @Test
    void budgetStopsRetriesWhenEverythingFails() throws Exception {
        TestGateway gateway = gateway("${upstreams.failing}", "attempts = 3, budget-percent = 0, min-retries = 2");
        for (int i = 0; i < 5; i++) {
            assertThat(gateway.get("/x").getStatus()).isEqualTo(503);
        }
        // Five requests, and the two retries the budget started with: no more.
        assertThat(failing.requestCount()).isEqualTo(7);
    }
}
