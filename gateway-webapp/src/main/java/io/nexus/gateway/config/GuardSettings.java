package io.nexus.gateway.config;

import java.time.Duration;

/**
 * {@code nexus.config.guard}: whether each newly applied config version is watched, and when it
 * is rolled back (docs/runbook/config-guard.md).
 *
 * @param window how long a new version is watched, and how much traffic before it is compared with
 * @param minRequests requests a scope must see after the change before it is judged
 * @param maxErrorRatioIncrease how much the 5xx ratio may rise (0.05: five points)
 * @param maxP99Increase how many times the p99 may grow
 * @param minP99Increase a p99 growth smaller than this never counts, however many times it grew
 */
public record GuardSettings(boolean enabled, Duration window, int minRequests, double maxErrorRatioIncrease, double maxP99Increase,
                            Duration minP99Increase) {
}
