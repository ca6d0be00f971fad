package io.nexus.gateway.observability;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Records one route's requests. Counter children are looked up once per (method, status) and
 * cached in an array, so the hot path is an array read and an increment.
 */
public final class RouteMeter {

    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "OTHER"};
    private static final int STATUSES = 600;

    private final String route;
    private final Counter requests;
    private final DistributionDataPoint duration;
    private final AtomicReferenceArray<CounterDataPoint> counters = new AtomicReferenceArray<>(METHODS.length * STATUSES);

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
        int code = status >= 100 && status < STATUSES ? status : 0;
        int slot = methodIndex(method) * STATUSES + code;
        CounterDataPoint counter = counters.get(slot);
        if (counter == null) {
            // Benign race: labelValues returns the same child to every caller.
            counter = requests.labelValues(route, METHODS[methodIndex(method)], Integer.toString(code));
            counters.set(slot, counter);
        }
        counter.inc();
        duration.observe(durationNanos / 1e9);
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
