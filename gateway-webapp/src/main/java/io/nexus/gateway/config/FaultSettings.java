package io.nexus.gateway.config;

import java.time.Duration;

/**
 * A route's {@code fault} block, for chaos tests and rollback drills: abort a share of requests
 * with a status, delay a share, or throw inside the chain to show the guard at work. Defaults:
 * reference.conf's {@code nexus-block-defaults.route.fault}, which inject nothing.
 *
 * @param abortPercent 0 to 100; requests answered with {@code abortStatus} without reaching the upstream
 * @param delayPercent 0 to 100; requests held back {@code delay} before going on
 * @param throwException every request makes the fault middleware throw
 */
public record FaultSettings(int abortStatus, double abortPercent, Duration delay, double delayPercent, boolean throwException) {
}
