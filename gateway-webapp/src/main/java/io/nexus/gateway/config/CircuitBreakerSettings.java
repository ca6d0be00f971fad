package io.nexus.gateway.config;

import java.time.Duration;

/**
 * An upstream's {@code circuit-breaker}, in resilience4j's terms: over the last
 * {@code slidingWindowSize} calls (once {@code minimumCalls} were made), a failure rate or a
 * slow-call rate at or above its threshold (percent) opens the breaker for {@code waitInOpen};
 * then {@code permittedCallsInHalfOpen} trial calls decide between closed and open again.
 */
public record CircuitBreakerSettings(boolean enabled, float failureRateThreshold, float slowCallRateThreshold,
                                     Duration slowCallDuration, int slidingWindowSize, int minimumCalls, Duration waitInOpen,
                                     int permittedCallsInHalfOpen) {
}
