package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import io.nexus.gateway.observability.AccessLog;
import io.nexus.gateway.testing.RecordingUpstream;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The sampled access log: what is written, how often, and what a line looks like as JSON. */
class AccessLogTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder().recordingUpstream("up").build();

    CapturedLog log;

    @BeforeEach
    void capture() throws Exception {
        log = new CapturedLog(AccessLog.LOGGER);
    }

    @AfterEach
    void release() {
        log.close();
    }

    /** A gateway for one test, stopped when it ends. */
    private static TestGateway gateway(String route, String accessLog) throws Exception {
        return nexus.startGateway("""
            nexus {
              upstreams { backend { targets = [${upstreams.up}] } }
              routes = [{ name = "%s", path = "/api", upstream = "backend", strip-prefix = true }]
              observability.access-log { %s }
            }
            """.formatted(route, accessLog));
    }

    private List<ILoggingEvent> linesOf(String route) {
        return log.events.stream().filter(event -> route.equals(CapturedLog.field(event, "route"))).toList();
    }

    private long count(String route, int status) {
        return linesOf(route).stream().filter(event -> Integer.valueOf(status).equals(CapturedLog.field(event, "status"))).count();
    }

    @Test
    void everyErrorAndSlowRequestIsWrittenAndTheRestAtTheRatio() throws Exception {
        int successes = 1000;
        TestGateway gateway = gateway("sampled", "sample-ratio = 0.1, slow-threshold = 150ms");
        for (int i = 0; i < successes; i++) {
            gateway.get("/api/ok/" + i);
            if (i % 20 == 0) {
                assertThat(gateway.get("/api/status/503").getStatus()).isEqualTo(503);
                assertThat(gateway.get("/api/status/404").getStatus()).isEqualTo(404);
            }
        }
        for (int i = 0; i < 3; i++) {
            ContentResponse slow = TestGateway.send(gateway.request("/api/slow").headers(h -> h.put(RecordingUpstream.DELAY_HEADER, "200")));
            assertThat(slow.getStatus()).isEqualTo(200);
        }
        // Lines are written when each exchange completes, a moment after the client's response.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(count("sampled", 503)).isEqualTo(successes / 20);
            // A busy machine may make other requests slow too: only the delayed ones are sure.
            assertThat(linesOf("sampled")).filteredOn(event -> "/api/slow".equals(CapturedLog.field(event, "path")))
                .hasSize(3).allSatisfy(event -> assertThat(CapturedLog.field(event, "sampled")).isEqualTo("slow"));
        });
        long sampled = linesOf("sampled").stream().filter(event -> "ratio".equals(CapturedLog.field(event, "sampled"))).count();
        // Binomial(1050, 0.1): mean 105, standard deviation under 10; ±45 is beyond 4.5 of them.
        assertThat(sampled).isBetween(60L, 150L);
        assertThat(linesOf("sampled")).filteredOn(event -> "error".equals(CapturedLog.field(event, "sampled")))
            .allSatisfy(event -> assertThat((Integer) CapturedLog.field(event, "status")).isGreaterThanOrEqualTo(500));
    }

    @Test
    void clientErrorsAreWrittenOnlyWhenConfigured() throws Exception {
        TestGateway gateway = gateway("strict", "sample-ratio = 0, log-client-errors = true");
        for (int i = 0; i < 20; i++) {
            gateway.get("/api/status/404");
            gateway.get("/api/status/200");
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(count("strict", 404)).isEqualTo(20));
        assertThat(count("strict", 200)).isZero();
    }

    @Test
    void aLineIsOneJsonObjectWithTheRequestFields() throws Exception {
        TestGateway gateway = gateway("everything", "sample-ratio = 1.0");
        ContentResponse response = TestGateway.send(gateway.request("/api/users/7").headers(h -> h.put("X-Request-Id", "req-json-1")));
        assertThat(response.getStatus()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> !linesOf("everything").isEmpty());
        JsonNode line = log.json(linesOf("everything").get(0));
        assertThat(line.path("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z");
        assertThat(line.path("level").asText()).isEqualTo("INFO");
        assertThat(line.path("logger").asText()).isEqualTo(AccessLog.LOGGER);
        assertThat(line.path("message").asText()).isEqualTo("GET /api/users/7 200 " + line.path("duration_ms").asText() + "ms");
        assertThat(line.path("request_id").asText()).isEqualTo("req-json-1");
        assertThat(line.path("route").asText()).isEqualTo("everything");
        assertThat(line.path("upstream").asText()).isEqualTo("backend");
        assertThat(line.path("method").asText()).isEqualTo("GET");
        assertThat(line.path("path").asText()).isEqualTo("/api/users/7");
        assertThat(line.path("status").isInt()).isTrue();
        assertThat(line.path("status").asInt()).isEqualTo(200);
        assertThat(line.path("duration_ms").isNumber()).isTrue();
        assertThat(line.path("client_address").asText()).isEqualTo("127.0.0.1");
        assertThat(line.path("trace_id").asText()).matches("[0-9a-f]{32}");
    }

    @Test
    void unmatchedRequestsShowTheirRawPathAndNoUpstream() throws Exception {
        TestGateway gateway = gateway("other", "sample-ratio = 0, log-client-errors = true");
        assertThat(gateway.get("/nowhere/x").getStatus()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(10)).until(() -> log.events.stream().anyMatch(e -> "/nowhere/x".equals(CapturedLog.field(e, "path"))));
        ILoggingEvent event = log.events.stream().filter(e -> "/nowhere/x".equals(CapturedLog.field(e, "path"))).findFirst().orElseThrow();
        assertThat(CapturedLog.field(event, "route")).isEqualTo("unmatched");
        assertThat(CapturedLog.field(event, "upstream")).isNull();
    }

    @Test
    void aGuardFailureLineCarriesTheRequestFields() throws Exception {
        try (CapturedLog failures = new CapturedLog("io.nexus.gateway.error.GuardedFilter");
             TestGateway gateway = nexus.startGateway("""
                 nexus {
                   upstreams { backend { targets = [${upstreams.up}] } }
                   routes = [{ name = "broken", path = "/api", upstream = "backend", fault { throw = true } }]
                 }
                 """)) {
            ContentResponse response = TestGateway.send(gateway.request("/api/x").headers(h -> h.put("X-Request-Id", "req-broken-1")));
            assertThat(response.getStatus()).isEqualTo(500);
            await().atMost(Duration.ofSeconds(5)).until(() -> !failures.events.isEmpty());
            JsonNode line = failures.json(failures.events.get(0));
            assertThat(line.path("level").asText()).isEqualTo("ERROR");
            assertThat(line.path("request_id").asText()).isEqualTo("req-broken-1");
            assertThat(line.path("route").asText()).isEqualTo("broken");
            assertThat(line.path("trace_id").asText()).matches("[0-9a-f]{32}");
            assertThat(line.path("stack_trace").asText()).isNotBlank();
        }
    }
}
