package io.nexus.launcher;

import io.nexus.gateway.testing.RecordingUpstream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;

class ConnectionPoolTest {

    @Test
    void connectionsPerTargetAreCappedAndIdleOnesTrimmed() throws Exception {
        try (RecordingUpstream upstream = RecordingUpstream.start("pooled");
             TestGateway gateway = TestGateway.start("""
                 nexus {
                   upstreams { pooled { targets = ["%s"], max-connections-per-target = 2, max-idle-connections-per-target = 1 } }
                   routes = [{ name = "pooled", path = "/", upstream = "pooled" }]
                 }
                 """.formatted(upstream.url()))) {
            List<CompletableFuture<ContentResponse>> responses = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                responses.add(new CompletableResponseListener(gateway.request("/hold"), 1024).send());
            }
            // All five are admitted and inside the proxy, but only two connections may exist.
            await().atMost(Duration.ofSeconds(5)).until(() ->
                gateway.gateway.gateway().admission().inflight() == 5 && upstream.holding() == 2);
            await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> upstream.holding() == 2);
            assertThat(upstream.openConnections()).isEqualTo(2);
            String origin = upstream.url();
            gateway.awaitMetrics(metrics -> assertThat(metrics)
                .contains("nexus_upstream_connections{state=\"active\",target=\"" + origin + "\",upstream=\"pooled\"} 2.0")
                .contains("nexus_upstream_queued_requests{target=\"" + origin + "\",upstream=\"pooled\"} 3.0"));

            upstream.release();
            for (CompletableFuture<ContentResponse> response : responses) {
                assertThat(response.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
            }
            assertThat(upstream.maxHolding()).isEqualTo(2);
            // Back in the pool, only one idle connection is kept; the other is closed.
            await().atMost(Duration.ofSeconds(5)).until(() -> upstream.openConnections() == 1);
            gateway.awaitMetrics(metrics -> assertThat(metrics)
                .contains("nexus_upstream_connections{state=\"idle\",target=\"" + origin + "\",upstream=\"pooled\"} 1.0"));
        }
    }
}
