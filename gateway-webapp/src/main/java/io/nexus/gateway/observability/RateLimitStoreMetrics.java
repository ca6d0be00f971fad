package io.nexus.gateway.observability;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The health of the Redis that cluster-wide rate limits count in (docs/scale-out.md). */
public final class RateLimitStoreMetrics {

    private final Counter errors;
    private final Gauge fallback;

    RateLimitStoreMetrics(PrometheusRegistry registry) {
        errors = Counter.builder()
            .name("nexus_rate_limit_store_errors_total")
            .help("Calls to the rate limit store (Redis) that failed or outlasted nexus.redis.timeout, probes included; "
                + "each request among them was decided by its route's local limiter.")
            .register(registry);
        fallback = Gauge.builder()
            .name("nexus_rate_limit_store_fallback")
            .help("1 while routes with scope = cluster decide with their local limiters because Redis is unavailable "
                + "(or not yet connected), else 0.")
            .register(registry);
    }

    public CounterDataPoint errors() {
        return errors.labelValues();
    }

    public GaugeDataPoint fallback() {
        return fallback.labelValues();
    }
}
