package io.nexus.gateway.config;

import java.time.Duration;
import java.util.List;

/** One entry of {@code nexus.upstreams}, merged over {@code nexus.upstream-defaults}. */
public record UpstreamSettings(
    String name,
    List<TargetSettings> targets,
    BalancerKind balancer,
    Duration connectTimeout,
    Duration idleTimeout,
    Duration requestTimeout,
    int maxConnectionsPerTarget,
    int maxIdleConnectionsPerTarget,
    HealthCheckSettings healthCheck,
    CircuitBreakerSettings circuitBreaker) {

    public UpstreamSettings {
        targets = List.copyOf(targets);
    }
}
