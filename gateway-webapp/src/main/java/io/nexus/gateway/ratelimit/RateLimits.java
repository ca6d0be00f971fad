package io.nexus.gateway.ratelimit;

import io.nexus.gateway.config.RateLimitSettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.config.RedisSettings;
import io.nexus.gateway.middleware.Middleware;
import io.nexus.gateway.middleware.MiddlewareFactory;
import io.nexus.gateway.observability.GatewayMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The {@code rate-limit} middleware's factory, and the limiters it keeps per route name across
 * config versions: a reload makes new middleware instances, but a route whose limiter shape
 * ({@code window}, {@code key}, {@code header}, {@code max-keys}) is unchanged keeps its
 * limiter and so its counts; a new {@code requests} applies to those counts at once. A changed
 * shape starts from zero. A limiter is dropped when the last version using its route retires.
 *
 * <p>Routes with {@code scope = cluster} share one {@link RedisStore} per {@code nexus.redis}
 * settings (one connection for the gateway), held while a version uses it; the local limiter
 * held per route is their fallback.
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

    private static final class HeldStore {
        final RedisStore store;
        int users;

        HeldStore(RedisStore store) {
            this.store = store;
        }
    }

    private final LongSupplier nanoClock;
    // Guarded by this, like byRoute.
    private final Map<RedisSettings, HeldStore> stores = new HashMap<>();
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
        return new RateLimitMiddleware(this, route, metrics);
    }

    /**
     * The limiter a route's new instance uses: its local one (the held one when its shape is
     * unchanged), behind Redis when the route's scope is cluster.
     */
    synchronized Limiter acquire(RouteSettings route, Scheduler scheduler, GatewayMetrics metrics) {
        SlidingWindowLimiter local = acquireLocal(route);
        RateLimitSettings settings = route.rateLimit().orElseThrow();
        if (settings.redis().isEmpty()) {
            return local;
        }
        HeldStore held = stores.computeIfAbsent(settings.redis().get(),
            redis -> new HeldStore(new RedisStore(redis, scheduler, metrics.rateLimitStore().errors(), metrics.rateLimitStore().fallback())));
        held.users++;
        return new ClusterLimiter(route.name(), settings, local, held.store);
    }

    private SlidingWindowLimiter acquireLocal(RouteSettings route) {
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

    /** An instance of {@code route} retired; the last one of a limiter (or of a Redis store) drops it. */
    synchronized void release(RouteSettings route, Limiter limiter) {
        route.rateLimit().flatMap(RateLimitSettings::redis).ifPresent(redis -> {
            HeldStore held = stores.get(redis);
            if (held != null && --held.users == 0) {
                stores.remove(redis);
                held.store.close();
            }
        });
        releaseLocal(route.name(), limiter instanceof ClusterLimiter cluster ? cluster.local() : (SlidingWindowLimiter) limiter);
    }

    private void releaseLocal(String route, SlidingWindowLimiter limiter) {
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
