package io.nexus.gateway.ratelimit;

import io.nexus.gateway.config.RateLimitSettings;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A route's limit shared by every replica ({@code scope = cluster}): each request is counted by
 * the sliding-window script in Redis, the same algorithm as {@link SlidingWindowLimiter} with
 * Redis's clock, so that N gateways admit what one would. While Redis is unavailable, and for a
 * call that fails or outlasts {@code nexus.redis.timeout}, the route's local limiter decides
 * (a per-process limit: N replicas then admit up to N times the limit).
 *
 * <p>The request thread waits for Redis at most the timeout. On a virtual thread (the
 * launcher's default) that wait parks it and frees its carrier; on a platform thread (a WAR's
 * pool) it holds the thread that long.
 */
final class ClusterLimiter implements Limiter {

    private static final long NANOS_PER_MICRO = 1_000;

    private final String prefix;
    private final long windowNanos;
    private final long windowMicros;
    private final long timeoutNanos;
    private final SlidingWindowLimiter local;
    private final RedisStore store;
    private final DeniedKeys denied;

    ClusterLimiter(String route, RateLimitSettings settings, SlidingWindowLimiter local, RedisStore store) {
        // The window is part of the name: counts of another window length mean nothing for this one.
        this.prefix = "nexus:rl:" + route + ":" + settings.window().toMillis() + "ms:";
        this.windowNanos = settings.window().toNanos();
        this.windowMicros = windowNanos / NANOS_PER_MICRO;
        this.timeoutNanos = store.timeout().toNanos();
        this.local = local;
        this.store = store;
        this.denied = new DeniedKeys(settings.maxKeys());
    }

    @Override
    public long acquire(String key, int limit) {
        long sent = System.nanoTime();
        long refused = denied.remainingNanos(key, sent);
        if (refused > 0) {
            return -1 - refused;
        }
        if (!store.available()) {
            return local.acquire(key, limit);
        }
        CompletableFuture<List<Long>> call = store.count(prefix + key, windowMicros, limit);
        List<Long> answer;
        try {
            answer = call.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // A call that timed out may still be counted in Redis: a fallback errs on admitting.
            call.cancel(false);
            store.failed(e);
            return local.acquire(key, limit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel(false);
            return local.acquire(key, limit);
        }
        if (answer.get(0) == 1) {
            return answer.get(1);
        }
        long wait = SlidingWindowLimiter.waitNanos(windowNanos, answer.get(1), answer.get(2), answer.get(3) * NANOS_PER_MICRO, limit);
        denied.deny(key, sent + wait);
        return -1 - wait;
    }

    /** The route's own limiter, its fallback. */
    SlidingWindowLimiter local() {
        return local;
    }

    /** Redis's windows start at multiples of the window since the epoch; this host's clock is close enough for a header. */
    @Override
    public long nanosToWindowEnd() {
        if (!store.available()) {
            return local.nanosToWindowEnd();
        }
        long now = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
        return windowNanos - Math.floorMod(now, windowNanos);
    }
}
