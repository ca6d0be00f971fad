package io.nexus.gateway.observability;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Records one route's requests. Counter children are looked up once per (method, status) and
 * cached in an array, so the hot path is an array read and an increment.
 */
final class RouteMeter {

    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "OTHER"};
    private static final int STATUSES = 600;
    /** The client's own exemplar sampler takes at most one per 90 ms; offering more only costs. */
    private static final long EXEMPLAR_INTERVAL_NANOS = 90_000_000L;

    private final String route;
    private final Counter requests;
    private final DistributionDataPoint duration;
    private final AtomicReferenceArray<CounterDataPoint> counters = new AtomicReferenceArray<>(METHODS.length * STATUSES);
    private final AtomicLong nextExemplarNanos = new AtomicLong(System.nanoTime());

    RouteMeter(String route, Counter requests, DistributionDataPoint duration) {
        this.route = route;
        this.requests = requests;
        this.duration = duration;
    }

    public String route() {
        return route;
    }

    /** Counts a completed request and observes its duration. */
    public void record(String method, int status, long durationNanos) {
        record(method, status, durationNanos, Span.getInvalid());
    }

    /**
     * Counts a completed request and observes its duration, with the request's trace as the
     * exemplar when the trace is sampled (exemplars show in the OpenMetrics format only). The
     * exemplar's labels are built at most once per sampling interval of the client, not per
     * request: building them validates label names, a cost the client would then throw away.
     */
    public void record(String method, int status, long durationNanos, Span span) {
        int code = status >= 100 && status < STATUSES ? status : 0;
        int slot = methodIndex(method) * STATUSES + code;
        CounterDataPoint counter = counters.get(slot);
        if (counter == null) {
            // Benign race: labelValues returns the same child to every caller.
            counter = requests.labelValues(route, METHODS[methodIndex(method)], Integer.toString(code));
            counters.set(slot, counter);
        }
        counter.inc();
        SpanContext trace = span.getSpanContext();
        if (trace.isSampled() && exemplarDue()) {
            duration.observeWithExemplar(durationNanos / 1e9, Labels.of("trace_id", trace.getTraceId(), "span_id", trace.getSpanId()));
        } else {
            duration.observe(durationNanos / 1e9);
        }
    }

    private boolean exemplarDue() {
        long now = System.nanoTime();
        long next = nextExemplarNanos.get();
        return now - next >= 0 && nextExemplarNanos.compareAndSet(next, now + EXEMPLAR_INTERVAL_NANOS);
    }

    /** Unknown methods share the {@code OTHER} label so that clients cannot grow the label set. */
    static int methodIndex(String method) {
        return switch (method) {
            case "GET" -> 0;
            case "POST" -> 1;
            case "PUT" -> 2;
            case "DELETE" -> 3;
            case "PATCH" -> 4;
            case "HEAD" -> 5;
            case "OPTIONS" -> 6;
            case "TRACE" -> 7;
            case "CONNECT" -> 8;
            default -> 9;
        };
    }
}
