package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.testing.RecordingUpstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class BackpressureTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder().recordingUpstream("held").perMethod().build();

    RecordingUpstream upstream;
    TestGateway gateway;

    @BeforeEach
    void findUpstream() {
        upstream = nexus.upstream("held");
    }

    /** Held requests answer first, so that the gateway's graceful stop has nothing to wait for. */
    @AfterEach
    void releaseHeldRequests() {
        upstream.release();
    }

    private void startGateway(String queueTimeout) throws Exception {
        gateway = nexus.startGateway("""
            nexus {
              server { max-concurrent-requests = 3, queue-timeout = %s }
              upstreams { held { targets = [${upstreams.held}] } }
              routes = [{ name = "held", path = "/", upstream = "held" }]
            }
            """.formatted(queueTimeout));
    }

    private List<CompletableFuture<ContentResponse>> sendHeld(int count) {
        List<CompletableFuture<ContentResponse>> responses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            responses.add(new CompletableResponseListener(gateway.request("/hold"), 1024).send());
        }
        return responses;
    }

    @Test
    void requestsOverTheLimitAreRefusedAtOnceAndCountsAddUp() throws Exception {
        startGateway("0ms");
        List<CompletableFuture<ContentResponse>> first = sendHeld(3);
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.holding() == 3);
        assertThat(gateway.metrics()).contains("nexus_inflight_requests 3.0");

        List<CompletableFuture<ContentResponse>> extra = sendHeld(7);
        for (CompletableFuture<ContentResponse> rejected : extra) {
            ContentResponse response = rejected.get(5, TimeUnit.SECONDS);
            assertThat(response.getStatus()).isEqualTo(503);
            assertThat(response.getHeaders().get("Retry-After")).isEqualTo("1");
            assertThat(response.getContentAsString()).contains("\"code\":\"overloaded\"");
        }
        upstream.release();
        for (CompletableFuture<ContentResponse> admitted : first) {
            assertThat(admitted.get(5, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        }

        assertThat(upstream.requestCount()).isEqualTo(3);
        gateway.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_rejected_requests_total{reason=\"overloaded\"} 7.0")
            .contains("nexus_requests_total{code=\"200\",group=\"\",method=\"GET\",route=\"held\"} 3.0")
            .contains("nexus_requests_total{code=\"503\",group=\"\",method=\"GET\",route=\"held\"} 7.0")
            .contains("nexus_inflight_requests 0.0"));
        // Permits came back: the gateway admits again.
        assertThat(gateway.get("/after").getStatus()).isEqualTo(200);
    }

    @Test
    void queuedRequestsWaitForAPermit() throws Exception {
        startGateway("10s");
        List<CompletableFuture<ContentResponse>> first = sendHeld(3);
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.holding() == 3);
        List<CompletableFuture<ContentResponse>> queued = sendHeld(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.metrics().contains("nexus_queued_requests 2.0"));
        upstream.release();
        for (CompletableFuture<ContentResponse> response : first) {
            assertThat(response.get(5, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        }
        for (CompletableFuture<ContentResponse> response : queued) {
            assertThat(response.get(5, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        }
        assertThat(upstream.requestCount()).isEqualTo(5);
        gateway.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_requests_total{code=\"200\",group=\"\",method=\"GET\",route=\"held\"} 5.0")
            .contains("nexus_rejected_requests_total{reason=\"overloaded\"} 0.0"));
    }

    @Test
    void queuedRequestIsRefusedWhenTheWaitRunsOut() throws Exception {
        startGateway("200ms");
        sendHeld(3);
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.holding() == 3);
        ContentResponse response = gateway.get("/late");
        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getContentAsString()).contains("\"code\":\"overloaded\"");
        assertThat(upstream.requestCount()).isEqualTo(3);
    }
}
