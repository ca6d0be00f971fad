package io.nexus.gateway.config;

import java.util.Set;

/**
 * A {@code retries} block, a route's or an upstream's (the default of the routes that use it):
 * up to {@code attempts} tries in all (so 2 means one retry), each on another target when there
 * is one, only for idempotent requests without a body, only for the failures listed, and only
 * while the retry budget allows: retries may add at most {@code budgetPercent} percent to the
 * requests (plus {@code minRetries} to start with). Defaults: reference.conf's
 * {@code nexus-block-defaults.route.retries} for a route's block, {@code upstream-defaults.retries}
 * for an upstream's.
 *
 * @param retryOn statuses to retry (502, 503, 504); {@code retryOnConnectFailure} for connect failures
 * @param retryOnReset for a connection the upstream closed or reset before any of its response arrived
 */
public record RetrySettings(int attempts, boolean retryOnConnectFailure, Set<Integer> retryOn, int budgetPercent, int minRetries,
                            boolean retryOnReset) {
    public RetrySettings {
        retryOn = Set.copyOf(retryOn);
    }
}
