package io.nexus.gateway.observability;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.snapshots.Labels;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Records one route's requests. A route costs almost nothing until it serves: its counter
 * children are looked up on first use of each (method, status) and cached in an array per
 * method, allocated on the method's first request; its latency child (its own histogram, or its
 * group's) is looked up on the first request. After that the hot path is two array reads and
 * an increment.
 */
final class RouteMeter {

    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "OTHER"};
    private static final int STATUSES = 600;
    /** The client's own exemplar sampler takes at most one per 90 ms; offering more only costs. */
    private static final long EXEMPLAR_INTERVAL_NANOS = 90_000_000L;

    private static final VarHandle COUNTERS;
    private static final VarHandle NEXT_EXEMPLAR;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            COUNTERS = lookup.findVarHandle(RouteMeter.class, "counters", AtomicReferenceArray.class);
            NEXT_EXEMPLAR = lookup.findVarHandle(RouteMeter.class, "nextExemplarNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String route;
    private final String group;
    private final boolean ownHistogram;
    private final Counter requests;
    private final Histogram durations;
    // By method, then by status; both made on first use, so that a route that serves nothing costs
    // only this object.
    private volatile AtomicReferenceArray<AtomicReferenceArray<CounterDataPoint>> counters;
    private volatile DistributionDataPoint duration;
    // Read and set through NEXT_EXEMPLAR: a field, not an AtomicLong, for one object less per route.
    private volatile long nextExemplarNanos = System.nanoTime();

    /**
     * @param group the {@code group} label ({@code ""} for none)
     * @param ownHistogram whether the route's latency has a histogram of its own, else its group's ({@code route=""})
     */
    RouteMeter(String route, String group, boolean ownHistogram, Counter requests, Histogram durations) {
        this.route = route;
        this.group = group;
        this.ownHistogram = ownHistogram;
        this.requests = requests;
        this.durations = durations;
    }

    public String route() {
        return route;
    }

    String group() {
        return group;
    }

    boolean ownHistogram() {
        return ownHistogram;
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
        counter(methodIndex(method), status >= 100 && status < STATUSES ? status : 0).inc();
        DistributionDataPoint latency = latency();
        SpanContext trace = span.getSpanContext();
        if (trace.isSampled() && exemplarDue()) {
            latency.observeWithExemplar(durationNanos / 1e9, Labels.of("trace_id", trace.getTraceId(), "span_id", trace.getSpanId()));
        } else {
            latency.observe(durationNanos / 1e9);
        }
    }

    // Benign races below: labelValues returns the same child to every caller, and a status array
    // that loses a race only costs the children it cached, which labelValues gives again.
    private CounterDataPoint counter(int method, int code) {
        AtomicReferenceArray<AtomicReferenceArray<CounterDataPoint>> byMethod = counters;
        if (byMethod == null) {
            byMethod = new AtomicReferenceArray<>(METHODS.length);
            if (!COUNTERS.compareAndSet(this, null, byMethod)) {
                byMethod = counters;
            }
        }
        AtomicReferenceArray<CounterDataPoint> byStatus = byMethod.get(method);
        if (byStatus == null) {
            byStatus = new AtomicReferenceArray<>(STATUSES);
            if (!byMethod.compareAndSet(method, null, byStatus)) {
                byStatus = byMethod.get(method);
            }
        }
        CounterDataPoint counter = byStatus.get(code);
        if (counter == null) {
            counter = requests.labelValues(route, METHODS[method], Integer.toString(code), group);
            byStatus.set(code, counter);
        }
        return counter;
    }

    private DistributionDataPoint latency() {
        DistributionDataPoint latency = duration;
        if (latency == null) {
            latency = durations.labelValues(ownHistogram ? route : "", group);
            duration = latency;
        }
        return latency;
    }

    /**
     * Removes the route's series from the registry: its own histogram (a group's stays, shared
     * with the group's other routes) and, with {@code counters}, its counters. For a route no
     * config version has any more.
     */
    void removeSeries(boolean counters) {
        AtomicReferenceArray<AtomicReferenceArray<CounterDataPoint>> byMethod = this.counters;
        for (int method = 0; counters && byMethod != null && method < METHODS.length; method++) {
            AtomicReferenceArray<CounterDataPoint> byStatus = byMethod.get(method);
            for (int code = 0; byStatus != null && code < STATUSES; code++) {
                if (byStatus.get(code) != null) {
                    requests.remove(route, METHODS[method], Integer.toString(code), group);
                }
            }
        }
        if (ownHistogram && duration != null) {
            durations.remove(route, group);
        }
    }

    private boolean exemplarDue() {
        long now = System.nanoTime();
        long next = (long) NEXT_EXEMPLAR.getVolatile(this);
        return now - next >= 0 && NEXT_EXEMPLAR.compareAndSet(this, next, now + EXEMPLAR_INTERVAL_NANOS);
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
