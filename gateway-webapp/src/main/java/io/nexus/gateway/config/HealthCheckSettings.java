package io.nexus.gateway.config;

import java.time.Duration;
import java.util.Set;

/** An upstream's {@code health-check}: active probes and passive ejection. */
public record HealthCheckSettings(Active active, Passive passive) {

    /**
     * Probes every target with {@code GET path} every {@code interval}; a target turns
     * unhealthy after {@code unhealthyThreshold} failed probes in a row and healthy again after
     * {@code healthyThreshold} good ones.
     */
    public record Active(boolean enabled, String path, Duration interval, Duration timeout, Set<Integer> expectedStatuses,
                         int healthyThreshold, int unhealthyThreshold) {
        public Active {
            expectedStatuses = Set.copyOf(expectedStatuses);
        }
    }

    /**
     * Ejects a target after {@code consecutiveFailures} connect failures or 5xx answers in a
     * row, for {@code ejectionTime} times the number of its recent ejections, at most
     * {@code maxEjectionTime}; never more than {@code maxEjectionPercent} of an upstream's
     * targets at once.
     */
    public record Passive(boolean enabled, int consecutiveFailures, Duration ejectionTime, Duration maxEjectionTime,
                          int maxEjectionPercent) {
    }
}
