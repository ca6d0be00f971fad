package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.nexus.gateway.observability.AccessLog;
import io.nexus.gateway.testing.RecordingUpstream;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.StringRequestContent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A target that dies fails no idempotent request: without any {@code retries} block, a request
 * without a body whose connection the target reset, closed or refused before any response byte
 * is tried once more on another target, within the upstream's retry budget; a request with a
 * body, a failure after the response head, and an upstream or route that switched it off are
 * answered 502 as before.
 */
class ConnectionFailureRetryTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .scriptedUpstream("dying")
        .scriptedUpstream("alsoDying")
        .recordingUpstream("healthy")
        .refusingUpstream("refused")
        .perMethod()
        .build();

    ScriptedUpstream dying;
    ScriptedUpstream alsoDying;
    RecordingUpstream healthy;

    @BeforeEach
    void scripts() {
        dying = nexus.scripted("dying")
            // Reads the request, then resets the connection: a process killed mid-request.
            .script("reset", ScriptedUpstream.RESET)
            // Reads the request, then closes without a word.
            .script("closed", ScriptedUpstream.CLOSE)
            // A response head and part of the body, then a reset.
            .script("cut", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 50L, ScriptedUpstream.RESET);
        alsoDying = nexus.scripted("alsoDying").script("reset", ScriptedUpstream.RESET);
        healthy = nexus.upstream("healthy");
    }

    /**
     * One upstream over these targets, with passive health and the breaker off so that every
     * request meets them in turn; {@code upstreamKeys} and {@code routeKeys} are added to each.
     */
    private static TestGateway gateway(String targets, String upstreamKeys, String routeKeys) throws Exception {
        return nexus.startGateway("""
            nexus {
              upstreams { up { targets = [%s], health-check.passive.enabled = false, circuit-breaker.enabled = false
                %s } }
              routes = [{ name = "up", path = "/", upstream = "up"
                %s }]
              observability.access-log.sample-ratio = 0
            }
            """.formatted(targets, upstreamKeys, routeKeys));
    }

    @Test
    void idempotentRequestsWhoseConnectionIsResetAreRetriedOnAnotherTargetByDefault() throws Exception {
        try (CapturedLog log = new CapturedLog(AccessLog.LOGGER)) {
            TestGateway gateway = gateway("${upstreams.dying}, ${upstreams.healthy}", "", "");
            for (String method : List.of("GET", "HEAD", "OPTIONS")) {
                for (int i = 0; i < 4; i++) {
                    ContentResponse response = TestGateway.send(gateway.request("/reset").method(method));
                    assertThat(response.getStatus()).as(method).isEqualTo(200);
                    assertThat(response.getHeaders().get("X-Upstream")).isEqualTo("healthy");
                }
            }
            int resets = dying.requestCount();
            assertThat(resets).as("round robin sent some of the requests to the dying target").isGreaterThanOrEqualTo(5);
            assertThat(healthy.requestCount()).isEqualTo(12);
            // Every retried request is written, with the cause and the attempts; the others are not sampled.
            List<ILoggingEvent> retried = awaitLines(log, resets);
            assertThat(retried).hasSize(resets);
            assertThat(retried).allSatisfy(line -> {
                assertThat(CapturedLog.field(line, "retry_cause")).isEqualTo("upstream_reset");
                assertThat(CapturedLog.field(line, "attempts")).isEqualTo(2);
                assertThat(CapturedLog.field(line, "status")).isEqualTo(200);
                assertThat(CapturedLog.field(line, "sampled")).isEqualTo("retried");
            });
            assertThat(log.json(retried.get(0)).get("retry_cause").asText()).isEqualTo("upstream_reset");
        }
    }

    @Test
    void aConnectionClosedWithoutAnswerOrRefusedIsRetriedToo() throws Exception {
        try (CapturedLog log = new CapturedLog(AccessLog.LOGGER)) {
            TestGateway closing = gateway("${upstreams.dying}, ${upstreams.healthy}", "", "");
            for (int i = 0; i < 4; i++) {
                assertThat(closing.get("/closed").getStatus()).isEqualTo(200);
            }
            int closed = dying.requestCount();
            assertThat(closed).isGreaterThanOrEqualTo(1);
            assertThat(awaitLines(log, closed)).hasSize(closed).allSatisfy(line -> assertThat(CapturedLog.field(line, "retry_cause")).isEqualTo("upstream_reset"));
            closing.close();
            log.events.clear();

            TestGateway refusing = gateway("${upstreams.refused}, ${upstreams.healthy}", "", "");
            for (int i = 0; i < 4; i++) {
                assertThat(refusing.get("/x").getStatus()).isEqualTo(200);
            }
            // Round robin sends at least every other request to the refusing target first.
            assertThat(awaitLines(log, 2)).hasSizeBetween(2, 4).allSatisfy(line -> {
                assertThat(CapturedLog.field(line, "retry_cause")).isEqualTo("connect_refused");
                assertThat(CapturedLog.field(line, "attempts")).isEqualTo(2);
            });
        }
    }

    @Test
    void requestsWithABodyAndPostsAreNeverRetried() throws Exception {
        TestGateway gateway = gateway("${upstreams.dying}, ${upstreams.healthy}", "", "");
        int failed = 0;
        for (int i = 0; i < 4; i++) {
            ContentResponse post = TestGateway.send(gateway.request("/reset").method("POST").body(new StringRequestContent("{}")));
            ContentResponse put = TestGateway.send(gateway.request("/reset").method("PUT").body(new StringRequestContent("{}")));
            for (ContentResponse response : List.of(post, put)) {
                if (response.getStatus() == 502) {
                    assertThat(response.getContentAsString()).contains("\"cause\":\"upstream_reset\"");
                    failed++;
                }
            }
        }
        // Every request reached exactly one target: each the dying one got was answered 502.
        assertThat(dying.requestCount()).isGreaterThanOrEqualTo(2);
        assertThat(failed).isEqualTo(dying.requestCount());
        assertThat(dying.requestCount() + healthy.requestCount()).isEqualTo(8);
    }

    @Test
    void aFailureAfterTheResponseHeadIsNeverRetried() throws Exception {
        try (CapturedLog log = new CapturedLog(AccessLog.LOGGER)) {
            TestGateway gateway = gateway("${upstreams.dying}, ${upstreams.healthy}", "", "");
            // Round robin: one of the two meets the dying target, which cuts its response after the head.
            List<Integer> statuses = List.of(gateway.get("/cut").getStatus(), gateway.get("/cut").getStatus());
            assertThat(statuses).containsExactlyInAnyOrder(200, 502);
            assertThat(dying.requestCount()).isEqualTo(1);
            assertThat(healthy.requestCount()).as("the cut response was not retried").isEqualTo(1);
            ILoggingEvent line = awaitLines(log, 1, "status", 502).getFirst();
            assertThat(CapturedLog.field(line, "cause")).isEqualTo("upstream_reset");
            assertThat(CapturedLog.field(line, "attempts")).isEqualTo(1);
            assertThat(CapturedLog.field(line, "retry_cause")).isNull();
        }
    }

    @Test
    void anUpstreamOrARouteSwitchesItOffWithOneAttempt() throws Exception {
        for (String[] off : new String[][] {{"retries.attempts = 1", ""}, {"", "retries { attempts = 1 }"},
            {"", "retries { retry-on = [503] }"}}) {
            int before = dying.requestCount();
            try (TestGateway gateway = gateway("${upstreams.dying}, ${upstreams.healthy}", off[0], off[1])) {
                int failed = 0;
                for (int i = 0; i < 4; i++) {
                    if (gateway.get("/reset").getStatus() == 502) {
                        failed++;
                    }
                }
                assertThat(failed).as("%s %s", off[0], off[1]).isEqualTo(dying.requestCount() - before).isGreaterThanOrEqualTo(1);
            }
        }
    }

    @Test
    void theRetryBudgetBoundsTheRetries() throws Exception {
        // Every target resets: only the two retries the budget starts with go out.
        TestGateway gateway = gateway("${upstreams.dying}, ${upstreams.alsoDying}", "retries { attempts = 3, budget-percent = 0, min-retries = 2 }", "");
        for (int i = 0; i < 5; i++) {
            assertThat(gateway.get("/reset").getStatus()).isEqualTo(502);
        }
        assertThat(dying.requestCount() + alsoDying.requestCount()).isEqualTo(7);
    }

    @Test
    void aSingleTargetIsNotTriedAgain() throws Exception {
        TestGateway gateway = gateway("${upstreams.dying}", "", "");
        for (int i = 0; i < 3; i++) {
            assertThat(gateway.get("/reset").getStatus()).isEqualTo(502);
        }
        assertThat(dying.requestCount()).as("no other target: no retry").isEqualTo(3);
    }

    private static List<ILoggingEvent> awaitLines(CapturedLog log, int count) {
        return awaitLines(log, count, "sampled", "retried");
    }

    /** The access log lines whose {@code key} is {@code value}, once there are at least {@code count}. */
    private static List<ILoggingEvent> awaitLines(CapturedLog log, int count, String key, Object value) {
        await().atMost(Duration.ofSeconds(5)).until(() -> lines(log, key, value).size() >= count);
        return lines(log, key, value);
    }

    private static List<ILoggingEvent> lines(CapturedLog log, String key, Object value) {
        return log.events.stream().filter(event -> value.equals(CapturedLog.field(event, key))).toList();
    }
}
