package io.nexus.launcher;

import io.nexus.gateway.testing.RecordingUpstream;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.time.Duration;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FailureTest {

    static RecordingUpstream slow;
    static RecordingUpstream healthy;
    static int closedPort;
    static java.net.ServerSocket fullBacklog;
    static java.util.List<java.net.Socket> backlogFillers = new java.util.ArrayList<>();
    static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        slow = RecordingUpstream.start("slow");
        healthy = RecordingUpstream.start("healthy");
        try (ServerSocket socket = new ServerSocket(0)) {
            // Nothing listens here once the socket is closed: connections are refused.
            closedPort = socket.getLocalPort();
        }
        // A listener that never accepts, its backlog filled: Linux drops further SYNs, so a
        // connect hangs until the client's connect timeout, like a target that vanished.
        fullBacklog = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        for (int i = 0; i < 2; i++) {
            java.net.Socket filler = new java.net.Socket();
            filler.connect(fullBacklog.getLocalSocketAddress(), 1000);
            backlogFillers.add(filler);
        }
        gateway = TestGateway.start("""
            nexus {
              upstreams {
                down { targets = ["http://127.0.0.1:%d"] }
                unreachable { targets = ["http://127.0.0.1:%d"], connect-timeout = 300ms, request-timeout = 10s }
                slow { targets = ["%s"], request-timeout = 300ms }
                drained { targets = ["%s", "%s"] }
              }
              routes = [
                { name = "down", path = "/down", upstream = "down" }
                { name = "unreachable", path = "/unreachable", upstream = "unreachable" }
                { name = "slow", path = "/slow", upstream = "slow", strip-prefix = true }
                { name = "slow-patient", path = "/patient", upstream = "slow", strip-prefix = true, request-timeout = 5s }
                { name = "drained", path = "/drained", upstream = "drained" }
              ]
            }
            """.formatted(closedPort, fullBacklog.getLocalPort(), slow.url(), healthy.url(), healthy.url()));
    }

    @org.junit.jupiter.api.BeforeEach
    void parkHeldRequests() {
        slow.rearm();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        for (java.net.Socket filler : backlogFillers) {
            filler.close();
        }
        fullBacklog.close();
        slow.close();
        healthy.close();
    }

    @Test
    void refusedConnectionIs502BadGateway() throws Exception {
        ContentResponse response = gateway.get("/down/x");
        assertThat(response.getStatus()).isEqualTo(502);
        assertThat(response.getHeaders().get("Content-Type")).isEqualTo("application/json");
        assertThat(response.getContentAsString()).contains("\"code\":\"bad_gateway\"")
            .contains("\"request_id\":\"" + response.getHeaders().get("X-Request-Id") + "\"");
    }

    @Test
    void connectTimeoutIs502BadGateway() throws Exception {
        long start = System.nanoTime();
        ContentResponse response = gateway.get("/unreachable/x");
        assertThat(response.getStatus()).isEqualTo(502);
        assertThat(response.getContentAsString()).contains("\"code\":\"bad_gateway\"");
        // The connect timeout ended it, not the 10 s request timeout.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void upstreamTimeoutIs504GatewayTimeout() throws Exception {
        ContentResponse response = gateway.get("/slow/hold");
        assertThat(response.getStatus()).isEqualTo(504);
        assertThat(response.getContentAsString()).contains("\"code\":\"gateway_timeout\"");
    }

    @Test
    void routeTimeoutOverridesTheUpstreams() throws Exception {
        var pending = new org.eclipse.jetty.client.CompletableResponseListener(gateway.request("/patient/hold"), 1024).send();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> slow.holding() > 0);
        // Past the upstream's 300 ms, still within the route's 5 s.
        org.awaitility.Awaitility.await().pollDelay(java.time.Duration.ofMillis(500)).until(() -> true);
        slow.release();
        assertThat(pending.get(10, java.util.concurrent.TimeUnit.SECONDS).getStatus()).isEqualTo(200);
    }

    @Test
    void noHealthyTargetIs503UpstreamUnavailable() throws Exception {
        var targets = gateway.gateway.gateway().snapshot().upstreams().get("drained").balancer().targets();
        targets.forEach(target -> target.setHealthy(false));
        try {
            ContentResponse response = gateway.get("/drained");
            assertThat(response.getStatus()).isEqualTo(503);
            assertThat(response.getContentAsString()).contains("\"code\":\"upstream_unavailable\"");
            targets.get(1).setHealthy(true);
            assertThat(gateway.get("/drained").getStatus()).isEqualTo(200);
        } finally {
            targets.forEach(target -> target.setHealthy(true));
        }
    }

    @Test
    void gatewayKeepsServingAfterFailures() throws Exception {
        gateway.get("/down/x");
        gateway.get("/slow/hold");
        assertThat(gateway.get("/drained/ok").getStatus()).isEqualTo(200);
    }
}
