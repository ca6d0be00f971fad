package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import java.time.Duration;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FaultMiddlewareTest {

    static RecordingUpstream upstream;
    static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = RecordingUpstream.start("up");
        gateway = TestGateway.start("""
            nexus {
              upstreams { up { targets = ["%s"] } }
              routes = [
                { name = "abort", path = "/abort", upstream = "up", fault { abort-status = 418, abort-percent = 100 } }
                { name = "throw", path = "/throw", upstream = "up", fault { throw = true } }
                { name = "delay", path = "/delay", upstream = "up", fault { delay = 300ms, delay-percent = 100 } }
                { name = "calm", path = "/calm", upstream = "up", middlewares = [fault] }
              ]
            }
            """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @Test
    void abortAnswersWithTheStatusWithoutReachingTheUpstream() throws Exception {
        upstream.clear();
        ContentResponse response = gateway.get("/abort/x");
        assertThat(response.getStatus()).isEqualTo(418);
        assertThat(response.getContentAsString()).contains("\"code\":\"fault_injected\"")
            .contains("\"request_id\":\"" + response.getHeaders().get("X-Request-Id") + "\"");
        assertThat(upstream.pending()).isZero();
    }

    @Test
    void throwShowsTheGuardAndTheGatewayKeepsServing() throws Exception {
        ContentResponse response = gateway.get("/throw/x");
        assertThat(response.getStatus()).isEqualTo(500);
        assertThat(response.getContentAsString()).contains("\"code\":\"internal\"").contains("internal error in fault");
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_middleware_failures_total{middleware=\"fault\"} 1.0"));
        assertThat(gateway.get("/calm/x").getStatus()).isEqualTo(200);
    }

    @Test
    void delayHoldsTheRequestBackThenPassesIt() throws Exception {
        long start = System.nanoTime();
        ContentResponse response = gateway.get("/delay/x");
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }
}
