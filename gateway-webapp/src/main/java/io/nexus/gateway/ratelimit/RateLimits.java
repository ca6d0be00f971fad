package io.nexus.gateway.ratelimit;

import io.nexus.gateway.config.RateLimitSettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.error.GatewayError;
import io.nexus.gateway.middleware.Middleware;
import io.nexus.gateway.middleware.MiddlewareFactory;
import io.nexus.gateway.observability.GatewayMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The {@code rate-limit} middleware's factory, and the limiters it keeps per route name across
 * config versions: a reload makes new middleware instances, but a route whose limiter shape
 * ({@code window}, {@code key}, {@code header}, {@code max-keys}) is unchanged keeps its
 * limiter and so its counts; a new {@code requests} applies to those counts at once. A changed
 * shape starts from zero. A limiter is dropped when the last version using its route retires.
 *
 * <p>One instance per middleware registry, and so per gateway.
 */
public final class RateLimits implements MiddlewareFactory {

    private record Shape(Duration window, RateLimitSettings.Key key, Optional<String> header, int maxKeys) {
        static Shape of(RateLimitSettings settings) {
            return new Shape(settings.window(), settings.key(), settings.header(), settings.maxKeys());
        }
    }

    private static final class Held {
        final Shape shape;
        final SlidingWindowLimiter limiter;
        int users;

        Held(Shape shape, SlidingWindowLimiter limiter) {
            this.shape = shape;
            this.limiter = limiter;
        }
    }

    private final LongSupplier nanoClock;
    // Guarded by this; touched only while versions are built and retired, never per request.
    private final Map<String, Held> byRoute = new HashMap<>();

    public RateLimits() {
        this(System::nanoTime);
    }

    /** With a clock of its own, for tests. */
    public RateLimits(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    @Override
    public Middleware create(RouteSettings route) {
        throw new IllegalStateException("the rate-limit middleware needs the gateway's metrics: create(route, metrics)");
    }

    @Override
    public Middleware create(RouteSettings route, GatewayMetrics metrics) {
        return new RateLimitMiddleware(this, route, metrics.rateLimited(route.name()), metrics.rejections(GatewayError.RATE_LIMITED.code()));
    }

    /** The limiter a route's new instance uses: the held one when its shape is unchanged. */
    synchronized SlidingWindowLimiter acquire(RouteSettings route) {
        RateLimitSettings settings = route.rateLimit().orElseThrow();
        Shape shape = Shape.of(settings);
        Held held = byRoute.get(route.name());
        if (held == null || !held.shape.equals(shape)) {
            held = new Held(shape, new SlidingWindowLimiter(settings.window(), settings.maxKeys(), nanoClock));
            byRoute.put(route.name(), held);
        }
        held.users++;
        return held.limiter;
    }

    /** An instance of {@code route} retired; the last one of a limiter drops it. */
    synchronized void release(String route, SlidingWindowLimiter limiter) {
        Held held = byRoute.get(route);
        if (held != null && held.limiter == limiter && --held.users == 0) {
            byRoute.remove(route);
        }
    }

    /** The limiter a route uses now, if any: for tests and the admin view. */
    public synchronized Optional<SlidingWindowLimiter> limiter(String route) {
        Held held = byRoute.get(route);
        return held == null ? Optional.empty() : Optional.of(held.limiter);
    }
}
