package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.testing.RecordingUpstream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Upstreams that refuse, never answer the connect, answer late or are all unhealthy, over HTTP/1.1 and HTTP/2. */
class FailureTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .refusingUpstream("down")
        .unreachableUpstream("unreachable")
        .recordingUpstream("slow")
        .recordingUpstream("healthy")
        .config("""
            nexus {
              upstreams {
                down { targets = [${upstreams.down}] }
                unreachable { targets = [${upstreams.unreachable}], connect-timeout = 300ms, request-timeout = 10s }
                slow { targets = [${upstreams.slow}], request-timeout = 300ms }
                drained { targets = [${upstreams.healthy}, ${upstreams.healthy}] }
              }
              routes = [
                { name = "down", path = "/down", upstream = "down" }
                { name = "unreachable", path = "/unreachable", upstream = "unreachable" }
                { name = "slow", path = "/slow", upstream = "slow", strip-prefix = true }
                { name = "slow-patient", path = "/patient", upstream = "slow", strip-prefix = true, request-timeout = 5s }
                { name = "drained", path = "/drained", upstream = "drained" }
              ]
            }
            """)
        .build();

    RecordingUpstream slow;

    @BeforeEach
    void parkHeldRequests() {
        slow = nexus.upstream("slow");
        slow.rearm();
    }

    @ProtocolTest
    void refusedConnectionIs502BadGateway(GatewayClient client) throws Exception {
        ContentResponse response = client.get("/down/x");
        assertThat(response.getStatus()).isEqualTo(502);
        assertThat(response.getHeaders().get("Content-Type")).isEqualTo("application/json");
        assertThat(response.getContentAsString()).contains("\"code\":\"bad_gateway\"")
            .contains("\"request_id\":\"" + response.getHeaders().get("X-Request-Id") + "\"");
    }

    @ProtocolTest
    void connectTimeoutIs502BadGateway(GatewayClient client) throws Exception {
        // The 300 ms connect timeout ends it, not the 10 s request timeout: the answer comes within 5 s.
        ContentResponse response = new CompletableResponseListener(client.request("/unreachable/x"), TestGateway.MAX_BODY).send()
            .get(5, TimeUnit.SECONDS);
        assertThat(response.getStatus()).isEqualTo(502);
        assertThat(response.getContentAsString()).contains("\"code\":\"bad_gateway\"");
    }

    @ProtocolTest
    void upstreamTimeoutIs504GatewayTimeout(GatewayClient client) throws Exception {
        ContentResponse response = client.get("/slow/hold");
        assertThat(response.getStatus()).isEqualTo(504);
        assertThat(response.getContentAsString()).contains("\"code\":\"gateway_timeout\"");
    }

    @ProtocolTest
    void routeTimeoutOverridesTheUpstreams(GatewayClient client) throws Exception {
        CompletableFuture<ContentResponse> pending = new CompletableResponseListener(client.request("/patient/hold"), 1024).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> slow.holding() > 0);
        // Past the upstream's 300 ms, still within the route's 5 s: the request stays pending.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> !pending.isDone());
        slow.release();
        assertThat(pending.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
    }

    @ProtocolTest
    void noHealthyTargetIs503UpstreamUnavailable(GatewayClient client) throws Exception {
        var targets = nexus.gateway().targets("drained");
        targets.forEach(target -> target.setHealthy(false));
        try {
            ContentResponse response = client.get("/drained");
            assertThat(response.getStatus()).isEqualTo(503);
            assertThat(response.getContentAsString()).contains("\"code\":\"upstream_unavailable\"");
            targets.get(1).setHealthy(true);
            assertThat(client.get("/drained").getStatus()).isEqualTo(200);
        } finally {
            targets.forEach(target -> target.setHealthy(true));
        }
    }

    @ProtocolTest
    void gatewayKeepsServingAfterFailures(GatewayClient client) throws Exception {
        client.get("/down/x");
        client.get("/slow/hold");
        assertThat(client.get("/drained/ok").getStatus()).isEqualTo(200);
    }
}
