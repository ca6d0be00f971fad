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

    /** Starts the SIGTERM drain on another thread; completes with whether it was clean. */
    private static CompletableFuture<Boolean> drainInBackground(TestGateway gateway) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return gateway.embedded().drainAndStop();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void slowInFlightRequestsCompleteWhileReadinessIs503() throws Exception {
        RecordingUpstream upstream = nexus.upstream("slow");
        TestGateway gateway = nexus.gateway();
        CompletableFuture<ContentResponse> inFlight = new CompletableResponseListener(gateway.request("/hold"), 1024).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.holding() == 1);

        CompletableFuture<Boolean> drained = drainInBackground(gateway);
        await().atMost(Duration.ofSeconds(5)).until(() ->
            TestGateway.send(gateway.adminRequest("/readyz")).getStatus() == 503);
        // Still serving during the drain delay: load balancers have not caught up yet.
        assertThat(gateway.get("/during-drain").getStatus()).isEqualTo(200);

        upstream.release();
        assertThat(inFlight.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        assertThat(drained.get(15, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aReloadedShutdownTimeoutBoundsTheDrain() throws Exception {
        RecordingUpstream upstream = nexus.upstream("slow");
        TestGateway gateway = nexus.gateway();
        // Started with a 10 s timeout; the reload brings 300 ms, which the drain must use.
        gateway.apply(nexus.configText("""
            nexus {
              server { shutdown { drain-delay = 0s, timeout = 300ms } }
              upstreams { slow { targets = [${upstreams.slow}] } }
              routes = [{ name = "slow", path = "/", upstream = "slow" }]
            }
            """));
        CompletableFuture<ContentResponse> stuck = new CompletableResponseListener(gateway.request("/hold"), 1024).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.holding() == 1);

        CompletableFuture<Boolean> drained = drainInBackground(gateway);
        // Well before the start-up value: the drain gave up on the held request.
        assertThat(drained.get(5, TimeUnit.SECONDS)).isFalse();
        upstream.release();
        // The stop cut the held request short: the client never sees its 200.
        assertThat(stuck.handle((response, failure) -> failure != null || response.getStatus() != 200).get(10, TimeUnit.SECONDS)).isTrue();
    }
}
