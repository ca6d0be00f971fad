package io.nexus.gateway.observability;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records one upstream's exchanges: the latency of each attempt, and the errors the gateway
 * answered because of it, by the contract's cause. Causes come from a fixed set in the proxy, so
 * the per-cause children stay few.
 */
public final class UpstreamMeter {

    private final String upstream;
    private final DistributionDataPoint latency;
    private final Counter errors;
    private final ConcurrentHashMap<String, CounterDataPoint> errorsByCause = new ConcurrentHashMap<>();

    UpstreamMeter(String upstream, DistributionDataPoint latency, Counter errors) {
        this.upstream = upstream;
        this.latency = latency;
        this.errors = errors;
    }

    /** Observes one attempt's duration. */
    public void observe(long durationNanos) {
        latency.observe(durationNanos / 1e9);
    }

    /** Counts an error answered because of this upstream (a failed connection, a timeout, a refusal). */
    public void error(String cause) {
        errorsByCause.computeIfAbsent(cause, c -> errors.labelValues(upstream, c)).inc();
    }
}
