package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FaultMiddlewareTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config("""
            nexus {
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [
                { name = "abort", path = "/abort", upstream = "up", fault { abort-status = 418, abort-percent = 100 } }
                { name = "throw", path = "/throw", upstream = "up", fault { throw = true } }
                { name = "delay", path = "/delay", upstream = "up", fault { delay = 300ms, delay-percent = 100 } }
                { name = "calm", path = "/calm", upstream = "up", middlewares = [fault] }
              ]
            }
            """)
        .build();

    @Test
    void abortAnswersWithTheStatusWithoutReachingTheUpstream() throws Exception {
        nexus.upstream("up").clear();
        ContentResponse response = nexus.get("/abort/x");
        assertThat(response.getStatus()).isEqualTo(418);
        assertThat(response.getContentAsString()).contains("\"code\":\"fault_injected\"")
            .contains("\"request_id\":\"" + response.getHeaders().get("X-Request-Id") + "\"");
        assertThat(nexus.upstream("up").pending()).isZero();
    }

    @Test
    void throwShowsTheGuardAndTheGatewayKeepsServing() throws Exception {
        ContentResponse response = nexus.get("/throw/x");
        assertThat(response.getStatus()).isEqualTo(500);
        assertThat(response.getContentAsString()).contains("\"code\":\"internal\"").contains("internal error in fault");
        nexus.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_middleware_failures_total{middleware=\"fault\"} 1.0"));
        assertThat(nexus.get("/calm/x").getStatus()).isEqualTo(200);
    }

    @Test
    void delayHoldsTheRequestBackThenPassesIt() throws Exception {
        long start = System.nanoTime();
        ContentResponse response = nexus.get("/delay/x");
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }
}
