package io.nexus.gateway.config;

import java.util.Set;

/**
 * A route's {@code retries}: up to {@code attempts} tries in all (so 2 means one retry), each
 * on another target when there is one, only for idempotent requests without a body, only for
 * the failures listed, and only while the retry budget allows: retries may add at most
 * {@code budgetPercent} percent to the route's requests (plus {@code minRetries} to start with).
 * Defaults: reference.conf's {@code nexus-block-defaults.route.retries}.
 *
 * @param retryOn statuses to retry (502, 503, 504); {@code retryOnConnectFailure} for connect failures
 */
public record RetrySettings(int attempts, boolean retryOnConnectFailure, Set<Integer> retryOn, int budgetPercent, int minRetries) {
    public RetrySettings {
        retryOn = Set.copyOf(retryOn);
    }
}
