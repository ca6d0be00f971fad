package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.nexus.gateway.observability.AccessLog;
import io.nexus.gateway.testing.RecordingUpstream;
import io.nexus.gateway.testing.RecordingUpstream.Recorded;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Trace context end to end: a client's W3C or B3 context is continued by the gateway's span,
 * which the upstream receives as its parent; without one a trace starts at the gateway.
 */
class TraceContextTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";

    static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .recordingUpstream("collector")
        .config("""
            nexus {
              upstreams { backend { targets = [${upstreams.up}] } }
              routes = [{ name = "traced", path = "/api", upstream = "backend", strip-prefix = true }]
            }
            """)
        .build();

    private static RecordingUpstream upstream() {
        return nexus.upstream("up");
    }

    @BeforeAll
    static void collectSpans() {
        nexus.gateway().addSpanProcessor(SimpleSpanProcessor.create(SPANS));
    }

    @BeforeEach
    void reset() {
        SPANS.reset();
        upstream().clear();
    }

    /** Sends with the given headers; returns what the upstream received and the gateway's span. */
    private static Map.Entry<Recorded, SpanData> send(Consumer<HttpFields.Mutable> headers) throws Exception {
        ContentResponse response = TestGateway.send(nexus.request("/api/orders").headers(headers));
        assertThat(response.getStatus()).isEqualTo(200);
        Recorded received = upstream().takeRequest();
        await().atMost(Duration.ofSeconds(5)).until(() -> SPANS.getFinishedSpanItems().size() == 1);
        return Map.entry(received, SPANS.getFinishedSpanItems().get(0));
    }

    private static void assertContinued(Recorded received, SpanData span, String traceId, String clientSpan) {
        assertThat(span.getTraceId()).isEqualTo(traceId);
        assertThat(span.getParentSpanId()).isEqualTo(clientSpan);
        assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(span.getName()).isEqualTo("GET traced");
        // The upstream's parent is the gateway's span, in W3C and B3 form alike.
        assertThat(received.header("traceparent")).isEqualTo("00-" + traceId + "-" + span.getSpanId() + "-01");
        assertThat(received.header("X-B3-TraceId")).isEqualTo(traceId);
        assertThat(received.header("X-B3-SpanId")).isEqualTo(span.getSpanId());
        assertThat(received.header("X-B3-Sampled")).isEqualTo("1");
        assertThat(received.header("b3")).isNull();
    }

    @Test
    void w3cTraceparentIsContinuedAndTracestateKept() throws Exception {
        var result = send(h -> h.put("traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01").put("tracestate", "vendor=abc"));
        assertContinued(result.getKey(), result.getValue(), TRACE_ID, CLIENT_SPAN);
        assertThat(result.getKey().header("tracestate")).isEqualTo("vendor=abc");
        assertThat(result.getValue().getAttributes().asMap().toString()).contains("http.response.status_code=200", "http.route=traced", "nexus.upstream=backend");
    }

    @Test
    void b3SingleHeaderIsContinued() throws Exception {
        var result = send(h -> h.put("b3", TRACE_ID + "-" + CLIENT_SPAN + "-1"));
        assertContinued(result.getKey(), result.getValue(), TRACE_ID, CLIENT_SPAN);
    }

    @Test
    void b3MultiHeadersAreContinued() throws Exception {
        var result = send(h -> h.put("X-B3-TraceId", TRACE_ID).put("X-B3-SpanId", CLIENT_SPAN).put("X-B3-Sampled", "1"));
        assertContinued(result.getKey(), result.getValue(), TRACE_ID, CLIENT_SPAN);
    }

    @Test
    void w3cWinsWhenBothFormatsCame() throws Exception {
        String otherTrace = "0af7651916cd43dd8448eb211c80319c";
        var result = send(h -> h.put("traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01").put("b3", otherTrace + "-" + CLIENT_SPAN + "-1"));
        assertContinued(result.getKey(), result.getValue(), TRACE_ID, CLIENT_SPAN);
    }

    @Test
    void aTraceStartsAtTheGatewayWithoutContext() throws Exception {
        var result = send(h -> { });
        SpanData span = result.getValue();
        assertThat(span.getParentSpanContext().isValid()).isFalse();
        assertThat(span.getTraceId()).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
        // Sampled, and (Trace Context level 2) flagged as a random trace id: 01 or 03.
        assertThat(result.getKey().header("traceparent")).matches("00-" + span.getTraceId() + "-" + span.getSpanId() + "-0[13]");
    }

    @Test
    void malformedContextStartsANewTrace() throws Exception {
        var result = send(h -> h.put("traceparent", "00-zzzz-" + CLIENT_SPAN + "-01"));
        assertThat(result.getValue().getParentSpanContext().isValid()).isFalse();
        assertThat(result.getKey().header("traceparent")).startsWith("00-" + result.getValue().getTraceId() + "-");
    }

    @Test
    void theAccessLogAndTheLatencyExemplarCarryTheTraceId() throws Exception {
        try (CapturedLog log = new CapturedLog(AccessLog.LOGGER)) {
            String traceId = "0af7651916cd43dd8448eb211c80319c";
            // A failing request is always written to the access log.
            ContentResponse response = TestGateway.send(nexus.request("/api/status/502")
                .headers(h -> h.put("traceparent", "00-" + traceId + "-" + CLIENT_SPAN + "-01")));
            assertThat(response.getStatus()).isEqualTo(502);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(log.events)
                .anySatisfy(event -> assertThat(CapturedLog.field(event, "trace_id")).isEqualTo(traceId)));
            ILoggingEvent line = log.events.stream().filter(e -> traceId.equals(CapturedLog.field(e, "trace_id"))).findFirst().orElseThrow();
            assertThat(log.json(line).path("trace_id").asText()).isEqualTo(traceId);
        }
        String openMetrics = TestGateway.send(nexus.adminRequest("/metrics")
            .headers(h -> h.put("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8"))).getContentAsString();
        assertThat(openMetrics).containsPattern("nexus_request_duration_seconds_bucket\\{group=\"\",route=\"\",le=\"[^\"]+\"} \\d+ # \\{span_id=\"[0-9a-f]{16}\",trace_id=\"[0-9a-f]{32}\"}");
    }

    @Test
    void spansAreExportedOverOtlpWhenConfigured() throws Exception {
        RecordingUpstream collector = nexus.upstream("collector");
        try (TestGateway exporting = nexus.startGateway("""
                 nexus {
                   upstreams { backend { targets = [${upstreams.up}] } }
                   routes = [{ name = "exported", path = "/api", upstream = "backend" }]
                   observability.tracing.otlp { enabled = true, endpoint = ${upstreams.collector}"/v1/traces", timeout = 5s }
                 }
                 """)) {
            ContentResponse response = TestGateway.send(exporting.request("/api/x")
                .headers(h -> h.put("traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01")));
            assertThat(response.getStatus()).isEqualTo(200);
            // Closing flushes the batch processor: the span leaves now, not after its delay.
            exporting.close();
            Recorded export = collector.takeRequest();
            assertThat(export.method()).isEqualTo("POST");
            assertThat(export.path()).isEqualTo("/v1/traces");
            assertThat(export.header("Content-Type")).isEqualTo("application/x-protobuf");
            // The protobuf carries the trace id as 16 raw bytes.
            assertThat(indexOf(export.body(), java.util.HexFormat.of().parseHex(TRACE_ID))).isNotNegative();
        }
    }

    @Test
    void withTracingOffTheClientsHeadersPassUnchanged() throws Exception {
        try (TestGateway untraced = nexus.startGateway("""
                 nexus {
                   upstreams { backend { targets = [${upstreams.up}] } }
                   routes = [{ name = "plain", path = "/api", upstream = "backend" }]
                   observability.tracing.enabled = false
                 }
                 """)) {
            String traceparent = "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01";
            assertThat(TestGateway.send(untraced.request("/api/x").headers(h -> h.put("traceparent", traceparent))).getStatus()).isEqualTo(200);
            Recorded received = upstream().takeRequest();
            assertThat(received.header("traceparent")).isEqualTo(traceparent);
            assertThat(received.header("X-B3-TraceId")).isNull();
        }
    }

    /**
     * Without an exporter or processor the gateway's span is not recorded, yet the upstream
     * sees the same context as with recording: the caller's trace, a new span id of the
     * gateway, and the sampler's decision (the caller's flag, else the ratio).
     */
    @Test
    void withoutExporterTheContextPropagatesTheSameWay() throws Exception {
        try (TestGateway unexported = nexus.startGateway("""
                 nexus {
                   upstreams { backend { targets = [${upstreams.up}] } }
                   routes = [{ name = "plain", path = "/api", upstream = "backend" }]
                 }
                 """);
             TestGateway neverSampled = nexus.startGateway("""
                 nexus {
                   upstreams { backend { targets = [${upstreams.up}] } }
                   routes = [{ name = "plain", path = "/api", upstream = "backend" }]
                   observability.tracing.sample-ratio = 0
                 }
                 """)) {
            TestGateway.send(unexported.request("/api/x").headers(h -> h.put("traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01")
                .put("tracestate", "vendor=abc")));
            Recorded continued = upstream().takeRequest();
            assertThat(continued.header("traceparent")).matches("00-" + TRACE_ID + "-[0-9a-f]{16}-01").doesNotContain(CLIENT_SPAN);
            assertThat(continued.header("tracestate")).isEqualTo("vendor=abc");
            assertThat(continued.header("X-B3-SpanId")).isEqualTo(continued.header("traceparent").substring(36, 52));

            TestGateway.send(unexported.request("/api/x").headers(h -> h.put("b3", TRACE_ID + "-" + CLIENT_SPAN + "-0")));
            assertThat(upstream().takeRequest().header("traceparent")).matches("00-" + TRACE_ID + "-[0-9a-f]{16}-00");

            TestGateway.send(unexported.request("/api/x"));
            String started = upstream().takeRequest().header("traceparent");
            assertThat(started).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]").doesNotContain(TRACE_ID);

            // A caller's sampled flag wins over the ratio; a new trace follows the ratio.
            TestGateway.send(neverSampled.request("/api/x").headers(h -> h.put("traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01")));
            assertThat(upstream().takeRequest().header("traceparent")).matches("00-" + TRACE_ID + "-[0-9a-f]{16}-01");
            TestGateway.send(neverSampled.request("/api/x"));
            assertThat(upstream().takeRequest().header("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[02]");
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
