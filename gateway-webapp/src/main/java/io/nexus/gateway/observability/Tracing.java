package io.nexus.gateway.observability;

import io.nexus.gateway.config.ObservabilitySettings;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trace context with OpenTelemetry: every request continues the caller's trace (W3C
 * {@code traceparent}/{@code tracestate}, or B3 in its single {@code b3} or multi
 * {@code X-B3-*} form; W3C wins when both came) or starts one, gets a server span of the
 * gateway, and the upstream receives that span as its parent in W3C and B3 multi-header form.
 * Spans go to OTLP/HTTP only when {@code nexus.observability.tracing.otlp} is enabled; the
 * propagation works either way.
 */
public final class Tracing implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Tracing.class);

    /** Extraction: B3 (single or multi) first, so that W3C, read last, wins when both came. */
    private static final TextMapPropagator EXTRACT = TextMapPropagator.composite(
        B3Propagator.injectingSingleHeader(), W3CTraceContextPropagator.getInstance());
    /** Injection upstream: W3C and B3 multi-header, what most tracers read. */
    private static final TextMapPropagator INJECT = TextMapPropagator.composite(
        W3CTraceContextPropagator.getInstance(), B3Propagator.injectingMultiHeaders());
    /** Inbound trace headers replaced by the gateway's own context upstream. */
    private static final List<String> TRACE_HEADERS = List.of("traceparent", "tracestate", "b3",
        "X-B3-TraceId", "X-B3-SpanId", "X-B3-ParentSpanId", "X-B3-Sampled", "X-B3-Flags");

    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<String> CLIENT = AttributeKey.stringKey("client.address");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("nexus.upstream");
    private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("nexus.request_id");

    private static final TextMapGetter<HttpServletRequest> REQUEST_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpServletRequest request) {
            return Collections.list(request.getHeaderNames());
        }

        @Override
        public String get(HttpServletRequest request, String key) {
            return request == null ? null : request.getHeader(key);
        }
    };
    private static final TextMapSetter<HttpFields.Mutable> PROXY_HEADERS = (headers, key, value) -> {
        if (headers != null) {
            headers.put(key, value);
        }
    };

    // Extra processors (tests' in-memory exporters); the provider holds this one fan-out.
    private final List<SpanProcessor> extraProcessors = new CopyOnWriteArrayList<>();
    private volatile State state = new State(ObservabilitySettings.DEFAULTS.tracing(), extraProcessors);

    /** Applies the tracing settings of a config; rebuilds the tracer only when they changed. */
    public void configure(ObservabilitySettings.Tracing settings) {
        State current = state;
        if (current.settings.equals(settings)) {
            return;
        }
        state = new State(settings, extraProcessors);
        // Spans still open on the old provider end later and are dropped by its closed exporter.
        Thread.ofVirtual().name("nexus-tracing-close").start(current::close);
    }

    /** Also hands every ended span to {@code processor} (for tests and extra exporters). */
    public void addSpanProcessor(SpanProcessor processor) {
        extraProcessors.add(processor);
    }

    /**
     * Starts the gateway's server span of a request, as a child of the trace context the
     * request carried, or of a new trace. {@link Span#getInvalid()} when tracing is off. When
     * no exporter or processor would ever see the span, it is not recorded: it still has its own
     * ids and the sampler's decision, which is all that logs, exemplars and the upstream get.
     */
    public Span startSpan(HttpServletRequest request) {
        State current = state;
        if (!current.settings.enabled()) {
            return Span.getInvalid();
        }
        Context parent = EXTRACT.extract(Context.root(), request, REQUEST_HEADERS);
        if (!current.exporting && extraProcessors.isEmpty()) {
            return current.unrecordedSpan(parent);
        }
        return current.tracer.spanBuilder(request.getMethod())
            .setParent(parent)
            .setSpanKind(SpanKind.SERVER)
            .setAttribute(METHOD, request.getMethod())
            .setAttribute(PATH, request.getRequestURI())
            .setAttribute(CLIENT, request.getRemoteAddr())
            .startSpan();
    }

    /** Ends a request's span with what is known at completion. */
    public static void endSpan(Span span, String requestId, String route, String upstream, int status) {
        if (!span.isRecording()) {
            return;
        }
        span.updateName(span instanceof ReadableSpan readable ? readable.getName() + " " + route : route);
        span.setAttribute(ROUTE, route);
        span.setAttribute(STATUS, (long) status);
        if (upstream != null) {
            span.setAttribute(UPSTREAM, upstream);
        }
        if (requestId != null) {
            span.setAttribute(REQUEST_ID, requestId);
        }
        // Server spans mark 5xx only as errors; a 4xx is the client's (OTel HTTP conventions).
        if (status >= 500 || status == 0) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    /**
     * Replaces the trace headers the client sent (copied with the others) by the gateway
     * span's context. Without a valid span (tracing off) the client's headers pass unchanged.
     */
    public static void inject(Span span, HttpFields.Mutable proxyHeaders) {
        if (!span.getSpanContext().isValid()) {
            return;
        }
        for (String header : TRACE_HEADERS) {
            proxyHeaders.remove(header);
        }
        INJECT.inject(Context.root().with(span), proxyHeaders, PROXY_HEADERS);
    }

    @Override
    public void close() {
        state.close();
    }

    /** One tracer setup, replaced whole when the settings change. */
    private static final class State {

        final ObservabilitySettings.Tracing settings;
        final SdkTracerProvider provider;
        final Tracer tracer;
        final Sampler sampler;
        final boolean exporting;
        private final IdGenerator ids = IdGenerator.random();

        State(ObservabilitySettings.Tracing settings, List<SpanProcessor> extra) {
            this.settings = settings;
            this.sampler = Sampler.parentBased(Sampler.traceIdRatioBased(settings.sampleRatio()));
            this.exporting = settings.enabled() && settings.otlpEnabled();
            var builder = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "nexus-gateway"))))
                // A caller's sampled flag is followed; new traces are sampled at the ratio.
                .setSampler(sampler)
                .addSpanProcessor(new FanOut(extra));
            if (exporting) {
                builder.addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                    .setEndpoint(settings.otlpEndpoint().toString())
                    .setTimeout(settings.otlpTimeout())
                    .build()).build());
                LOG.info("Exporting spans over OTLP/HTTP to {}", settings.otlpEndpoint());
            }
            provider = builder.build();
            tracer = provider.get("io.nexus.gateway");
        }

        /**
         * The span the SDK would start, minus the recording: the same ids and sampling decision
         * (SdkSpanBuilder's order), wrapped as a non-recording span. Costs two random ids.
         */
        Span unrecordedSpan(Context parent) {
            SpanContext parentContext = Span.fromContext(parent).getSpanContext();
            String traceId = parentContext.isValid() ? parentContext.getTraceId() : ids.generateTraceId();
            SamplingResult result = sampler.shouldSample(parent, traceId, "", SpanKind.SERVER, Attributes.empty(), List.of());
            TraceFlags flags = result.getDecision() == SamplingDecision.RECORD_AND_SAMPLE ? TraceFlags.getSampled() : TraceFlags.getDefault();
            TraceState traceState = result.getUpdatedTraceState(parentContext.getTraceState());
            return Span.wrap(SpanContext.create(traceId, ids.generateSpanId(), flags, traceState));
        }

        void close() {
            // Flushes the batch exporter: spans of the last requests still leave.
            provider.shutdown().join(10, TimeUnit.SECONDS);
        }
    }

    /** Hands ended spans to the processors added at run time. */
    private static final class FanOut implements SpanProcessor {

        private final List<SpanProcessor> processors;

        FanOut(List<SpanProcessor> processors) {
            this.processors = processors;
        }

        @Override
        public void onStart(Context parentContext, ReadWriteSpan span) {
            for (SpanProcessor processor : processors) {
                processor.onStart(parentContext, span);
            }
        }

        // Always true: the provider asks once, at build time, before processors may be added.
        @Override
        public boolean isStartRequired() {
            return true;
        }

        @Override
        public void onEnd(ReadableSpan span) {
            for (SpanProcessor processor : processors) {
                processor.onEnd(span);
            }
        }

        @Override
        public boolean isEndRequired() {
            return true;
        }

        @Override
        public CompletableResultCode shutdown() {
            // The processors belong to whoever added them; they outlive one tracer setup.
            return CompletableResultCode.ofSuccess();
        }
    }
}
