package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import java.net.ServerSocket;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RetryTest {

    RecordingUpstream failing;
    RecordingUpstream healthy;

    @BeforeEach
    void start() throws Exception {
        failing = RecordingUpstream.start("failing");
        failing.answerAll(503);
        healthy = RecordingUpstream.start("healthy");
    }

    @AfterEach
    void stop() throws Exception {
        failing.close();
        healthy.close();
    }

    private TestGateway gateway(String targets, String retries) throws Exception {
        return TestGateway.start("""
            nexus {
              upstreams { up { targets = [%s], health-check.passive.enabled = false, circuit-breaker.enabled = false } }
              routes = [{ name = "up", path = "/", upstream = "up", retries { %s } }]
            }
            """.formatted(targets, retries));
    }

    @Test
    void retryableStatusIsRetriedOnAnotherTarget() throws Exception {
        try (TestGateway gateway = gateway("\"" + failing.url() + "\", \"" + healthy.url() + "\"", "attempts = 2")) {
            for (int i = 0; i < 6; i++) {
                ContentResponse response = gateway.get("/x");
                assertThat(response.getStatus()).isEqualTo(200);
                assertThat(response.getHeaders().get("X-Upstream")).isEqualTo("healthy");
            }
            assertThat(healthy.requestCount()).isEqualTo(6);
            assertThat(failing.requestCount()).isBetween(1, 6);
        }
    }

    @Test
    void postIsNeverRepeated() throws Exception {
        try (TestGateway gateway = gateway("\"" + failing.url() + "\", \"" + healthy.url() + "\"", "attempts = 3")) {
            int failed = 0;
            for (int i = 0; i < 4; i++) {
                ContentResponse response = TestGateway.send(gateway.request("/orders").method("POST")
                    .body(new org.eclipse.jetty.client.StringRequestContent("{}")));
                if (response.getStatus() == 503) {
                    failed++;
                }
            }
            // Every POST reached exactly one target: the 503s went back to the client as they were.
            assertThat(failing.requestCount() + healthy.requestCount()).isEqualTo(4);
            assertThat(failed).isEqualTo(failing.requestCount());
        }
    }

    @Test
    void connectFailureIsRetriedForIdempotentRequestsOnly() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (TestGateway gateway = gateway("\"http://127.0.0.1:" + closedPort + "\", \"" + healthy.url() + "\"", "attempts = 2")) {
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
    }

    @Test
    void budgetStopsRetriesWhenEverythingFails() throws Exception {
        try (TestGateway gateway = gateway("\"" + failing.url() + "\"", "attempts = 3, budget-percent = 0, min-retries = 2")) {
            for (int i = 0; i < 5; i++) {
                assertThat(gateway.get("/x").getStatus()).isEqualTo(503);
            }
            // Five requests, and the two retries the budget started with: no more.
            assertThat(failing.requestCount()).isEqualTo(7);
        }
    }
}
