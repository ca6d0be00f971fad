package io.nexus.gateway.upstream;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.nexus.gateway.config.CircuitBreakerSettings;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upstream's circuit breaker: resilience4j's, count-based and lock-free. Failures are
 * upstream failures (connect failures, timeouts, broken responses) and 5xx answers; calls
 * slower than {@code slow-call-duration} count as slow. While open, requests are refused with
 * 503 without touching the upstream.
 */
public final class UpstreamBreaker {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamBreaker.class);

    /** A state change: from and to in the metrics' lower-case names. */
    public record Transition(String upstream, String from, String to) {
    }

    private final CircuitBreakerSettings settings;
    private final CircuitBreaker breaker;

    UpstreamBreaker(String upstream, CircuitBreakerSettings settings, Consumer<Transition> onTransition) {
        this.settings = settings;
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
            .failureRateThreshold(settings.failureRateThreshold())
            .slowCallRateThreshold(settings.slowCallRateThreshold())
            .slowCallDurationThreshold(settings.slowCallDuration())
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(settings.slidingWindowSize())
            .minimumNumberOfCalls(settings.minimumCalls())
            .waitDurationInOpenState(settings.waitInOpen())
            .permittedNumberOfCallsInHalfOpenState(settings.permittedCallsInHalfOpen())
            // Open turns half-open when the wait is over, not only at the next call.
            .automaticTransitionFromOpenToHalfOpenEnabled(true)
            .slidingWindowSynchronizationStrategy(CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
            .writableStackTraceEnabled(false)
            .build();
        this.breaker = CircuitBreaker.of(upstream, config);
        breaker.getEventPublisher().onStateTransition(event -> {
            Transition transition = new Transition(upstream, stateName(event.getStateTransition().getFromState()),
                stateName(event.getStateTransition().getToState()));
            LOG.warn("Circuit breaker of upstream {}: {} -> {}", upstream, transition.from(), transition.to());
            onTransition.accept(transition);
        });
    }

    CircuitBreakerSettings settings() {
        return settings;
    }

    /** Whether a call may go upstream now; each permitted call must end in exactly one record or release. */
    public boolean tryAcquire() {
        return !settings.enabled() || breaker.tryAcquirePermission();
    }

    /** Gives back a permission that was not used for a call. */
    public void release() {
        if (settings.enabled()) {
            breaker.releasePermission();
        }
    }

    public void onSuccess(long durationNanos) {
        if (settings.enabled()) {
            breaker.onSuccess(durationNanos, TimeUnit.NANOSECONDS);
        }
    }

    public void onFailure(long durationNanos, Throwable cause) {
        if (settings.enabled()) {
            breaker.onError(durationNanos, TimeUnit.NANOSECONDS, cause);
        }
    }

    /** {@code closed}, {@code open} or {@code half_open} (or {@code disabled}). */
    public String state() {
        return settings.enabled() ? stateName(breaker.getState()) : "disabled";
    }

    static String stateName(CircuitBreaker.State state) {
        return switch (state) {
            case CLOSED -> "closed";
            case OPEN, FORCED_OPEN -> "open";
            case HALF_OPEN -> "half_open";
            case DISABLED, METRICS_ONLY -> "disabled";
        };
    }
}
