package io.nexus.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One entry of {@code nexus.upstreams}, merged over {@code nexus.upstream-defaults}.
 *
 * @param maxResponseHeaderSize bytes of an upstream's status line and header fields; more is 502 {@code upstream_response_too_large}
 * @param maxRequests requests in flight to the upstream at once; 0 for targets x max-connections-per-target
 * @param maxPendingRequests requests that may wait for one of those places
 * @param queueTimeout how long a request may wait for a place
 * @param failureStatuses upstream statuses that count as failures for the breaker and passive health
 * @param protocol the HTTP version spoken to the targets
 * @param tls trust and client certificate for https targets
 * @param retries the retries of the routes that use this upstream and have no {@code retries} block of their own
 */
public record UpstreamSettings(
    String name,
    List<TargetSettings> targets,
    BalancerKind balancer,
    Duration connectTimeout,
    Duration idleTimeout,
    Duration requestTimeout,
    int maxConnectionsPerTarget,
    int maxIdleConnectionsPerTarget,
    int maxResponseHeaderSize,
    int maxRequests,
    int maxPendingRequests,
    Duration queueTimeout,
    Set<Integer> failureStatuses,
    HealthCheckSettings healthCheck,
    CircuitBreakerSettings circuitBreaker,
    UpstreamProtocol protocol,
    UpstreamTlsSettings tls,
    RetrySettings retries) {

    public UpstreamSettings {
        targets = List.copyOf(targets);
        failureStatuses = Set.copyOf(failureStatuses);
    }
}
