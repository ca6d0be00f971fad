package io.nexus.gateway.ratelimit;

import io.nexus.gateway.config.RateLimitSettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.error.GatewayError;
import io.nexus.gateway.exchange.AuthenticationGate;
import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.middleware.Middleware;
import io.nexus.gateway.observability.GatewayMetrics;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Counts each request of a route under its key and answers 429 {@code rate_limited} over the
 * limit. Every response it sees gets {@code RateLimit-Limit}, {@code RateLimit-Remaining} and
 * {@code RateLimit-Reset} (seconds); a refusal also gets {@code Retry-After}. The headers are set
 * before the chain goes on, because the proxy commits the response as soon as the upstream
 * answers.
 */
final class RateLimitMiddleware implements Middleware {

    static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final RateLimits limits;
    private final RouteSettings route;
    private final RateLimitSettings settings;
    private final RequestKeys keys;
    private final String limitText;
    private final String message;
    private final CounterDataPoint rateLimited;
    private final CounterDataPoint rejected;
    private final GatewayMetrics metrics;
    private Limiter limiter;

    RateLimitMiddleware(RateLimits limits, RouteSettings route, GatewayMetrics metrics) {
        this.limits = limits;
        this.route = route;
        this.settings = route.rateLimit().orElseThrow(
            () -> new IllegalArgumentException("route " + route.name() + " lists rate-limit without a rate-limit block"));
        this.keys = new RequestKeys(settings);
        this.limitText = Integer.toString(settings.requests());
        this.message = "rate limit of " + settings.requests() + " requests per " + settings.window().toMillis() + "ms exceeded";
        this.metrics = metrics;
        this.rateLimited = metrics.rateLimited(route.name());
        this.rejected = metrics.rejections(GatewayError.RATE_LIMITED.code());
    }

    @Override
    public void init(RouteSettings route, Scheduler scheduler) {
        limiter = limits.acquire(route, scheduler, metrics);
    }

    @Override
    public void shutdown(Instant deadline) {
        limits.release(route, limiter);
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        if (settings.key() == RateLimitSettings.Key.SUBJECT) {
            // Runs before authentication; the route's auth middleware calls back with the outcome.
            Exchange.of(request).put(AuthenticationGate.KEY, gate);
            chain.doFilter(request, response);
            return;
        }
        if (admit(request, response, keys.keyOf(request))) {
            chain.doFilter(request, response);
        }
    }

    /** Counts the request under the key; over the limit answers 429 and returns false. */
    private boolean admit(HttpServletRequest request, HttpServletResponse response, String key) throws IOException {
        long decision = limiter.acquire(key, settings.requests());
        response.setHeader("RateLimit-Limit", limitText);
        if (SlidingWindowLimiter.allowed(decision)) {
            response.setHeader("RateLimit-Remaining", Long.toString(decision));
            response.setHeader("RateLimit-Reset", Long.toString(seconds(limiter.nanosToWindowEnd())));
            return true;
        }
        rateLimited.inc();
        rejected.inc();
        String retryAfter = Long.toString(seconds(SlidingWindowLimiter.retryAfterNanos(decision)));
        response.setHeader("RateLimit-Remaining", "0");
        response.setHeader("RateLimit-Reset", retryAfter);
        response.setHeader("Retry-After", retryAfter);
        ErrorResponses.send(request, response, GatewayError.RATE_LIMITED, "rate_limit_exceeded", message);
        return false;
    }

    /**
     * A limit keyed on the subject: authenticated requests count under their subject, failed
     * authentications under the client's address (with the same budget), so that a client
     * guessing tokens or keys is limited like one that has them.
     */
    private final AuthenticationGate gate = new AuthenticationGate() {
        @Override
        public boolean onAuthenticated(HttpServletRequest request, HttpServletResponse response, String subject) throws IOException {
            return admit(request, response, keys.keyOf(request));
        }

        @Override
        public boolean onFailed(HttpServletRequest request, HttpServletResponse response) throws IOException {
            return admit(request, response, keys.failureKeyOf(request));
        }
    };

    /** Whole seconds, rounded up, at least 1: {@code Retry-After: 0} would invite an instant retry. */
    static long seconds(long nanos) {
        return Math.max(1, (nanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
    }
}
