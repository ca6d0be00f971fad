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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ConnectionPoolTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("pooled")
        .config("""
            nexus {
              upstreams { pooled { targets = [${upstreams.pooled}], max-connections-per-target = 2, max-idle-connections-per-target = 1,
                          // more places than connections, so the extra requests wait in the client's queue
                          max-requests = 10, queue-timeout = 30s } }
              routes = [{ name = "pooled", path = "/", upstream = "pooled" }]
            }
            """)
        .build();

    @Test
    void connectionsPerTargetAreCappedAndIdleOnesTrimmed() throws Exception {
        RecordingUpstream upstream = nexus.upstream("pooled");
        TestGateway gateway = nexus.gateway();
        List<CompletableFuture<ContentResponse>> responses = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            responses.add(new CompletableResponseListener(gateway.request("/hold"), 1024).send());
        }
        // All five are admitted and inside the proxy, but only two connections may exist.
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.inflight() == 5 && upstream.holding() == 2);
        // And it stays at two: the other three wait for a connection instead of opening more.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> upstream.holding() == 2);
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
