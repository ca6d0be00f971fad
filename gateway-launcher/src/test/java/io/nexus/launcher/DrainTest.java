package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.testing.RecordingUpstream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DrainTest {

    /** Per method: a drained gateway is stopped for good. */
    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("slow")
        .config("""
            nexus {
              server { shutdown { drain-delay = 1s, timeout = 10s } }
              upstreams { slow { targets = [${upstreams.slow}] } }
              routes = [{ name = "slow", path = "/", upstream = "slow" }]
            }
            """)
        .perMethod()
        .build();

    @Test
    void slowInFlightRequestsCompleteWhileReadinessIs503() throws Exception {
        RecordingUpstream upstream = nexus.upstream("slow");
        TestGateway gateway = nexus.gateway();
        CompletableFuture<ContentResponse> inFlight = new CompletableResponseListener(gateway.request("/hold"), 1024).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.holding() == 1);

        CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
            try {
                return gateway.embedded().drainAndStop();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() ->
            TestGateway.send(gateway.adminRequest("/readyz")).getStatus() == 503);
        // Still serving during the drain delay: load balancers have not caught up yet.
        assertThat(gateway.get("/during-drain").getStatus()).isEqualTo(200);

        upstream.release();
        assertThat(inFlight.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        assertThat(drained.get(15, TimeUnit.SECONDS)).isTrue();
    }
}
