package io.nexus.gateway.ratelimit;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A sliding-window-counter rate limiter over many keys, with bounded memory.
 *
 * <p>Time is cut into fixed windows of {@code window}; each key keeps the count of its current
 * and previous window, and a request is allowed while {@code floor(previous * (1 -
 * elapsed/window)) + current + 1 <= limit}, where {@code elapsed} is the time since the current
 * window began. This is the sliding-window-counter estimate (as in Cloudflare's limiter): two
 * integers per key instead of a log of timestamps, exact when requests are spread evenly over
 * the previous window and never more than {@code limit} in any one window. The previous window's share is rounded down, so that a
 * saturated key gets {@code limit} per window rather than one less.
 *
 * <p>Keys are striped over up to 256 shards by hash; each shard is a small access-ordered map
 * behind its own monitor, held for a map lookup and a few arithmetic operations and never
 * across anything that blocks, so a thread waiting for it (virtual or not) waits nanoseconds.
 * A request on a known key allocates nothing.
 *
 * <p>Memory is bounded twice over. A key idle for two windows has both counts at zero, so
 * dropping it changes no decision: when a shard takes a new key it first drops up to
 * {@value #SWEEP} of its least recently used entries that are idle. And each shard holds at most
 * {@code maxKeys / shards} entries: at the cap, a new key evicts the shard's least recently used
 * one, which then starts again from zero (a flood of distinct keys can thus make a quiet key
 * forget its count, but never grows the heap).
 */
public final class SlidingWindowLimiter implements Limiter {

    static final int MAX_SHARDS = 256;
    // Enough to keep up with one new key per request while idle keys accumulate.
    static final int SWEEP = 4;

    private final long windowNanos;
    private final LongSupplier clock;
    private final Shard[] shards;
    private final int mask;

    /**
     * @param window the window length
     * @param maxKeys the most keys held at once (at least 1)
     * @param nanoClock a monotonic clock in nanoseconds, {@code System::nanoTime} outside tests
     */
    public SlidingWindowLimiter(Duration window, int maxKeys, LongSupplier nanoClock) {
        if (window.toNanos() <= 0 || maxKeys < 1) {
            throw new IllegalArgumentException("window must be positive and maxKeys at least 1");
        }
        this.windowNanos = window.toNanos();
        this.clock = nanoClock;
        // At least 16 keys a shard, so that small caps are not cut into slivers.
        int shardCount = Integer.highestOneBit(Math.max(1, Math.min(MAX_SHARDS, maxKeys / 16)));
        int perShard = Math.max(1, maxKeys / shardCount);
        this.shards = new Shard[shardCount];
        for (int i = 0; i < shardCount; i++) {
            shards[i] = new Shard(perShard);
        }
        this.mask = shardCount - 1;
    }

    /**
     * Counts a request for {@code key} if the limit allows it.
     *
     * @return when allowed, the requests still allowed now ({@code >= 0}); when refused, a
     *     negative number from which {@link #retryAfterNanos(long)} reads the wait. A primitive
     *     rather than an object keeps the hot path free of allocation.
     */
    @Override
    public long acquire(String key, int limit) {
        long now = clock.getAsLong();
        long index = Math.floorDiv(now, windowNanos);
        long elapsed = now - index * windowNanos;
        Shard shard = shards[spread(key.hashCode()) & mask];
        int previous;
        int current;
        synchronized (shard) {
            shard.index = index;
            Counts counts = shard.get(key);
            if (counts == null) {
                counts = new Counts(index);
                shard.put(key, counts);
            } else {
                counts.roll(index);
            }
            previous = counts.previous;
            current = counts.current;
            long estimate = weighted(previous, elapsed) + current;
            if (estimate + 1 <= limit) {
                counts.current = current + 1;
                return limit - estimate - 1;
            }
        }
        return -1 - waitNanos(windowNanos, previous, current, elapsed, limit);
    }

    /** Whether an {@link #acquire} result allowed the request. */
    public static boolean allowed(long decision) {
        return decision >= 0;
    }

    /** How long a refused request should wait before the same key is allowed again. */
    public static long retryAfterNanos(long decision) {
        return decision >= 0 ? 0 : -1 - decision;
    }

    /** Nanoseconds until the current window ends. */
    @Override
    public long nanosToWindowEnd() {
        return windowNanos - Math.floorMod(clock.getAsLong(), windowNanos);
    }

    /** The keys held now, idle ones not yet swept included. */
    public int size() {
        int size = 0;
        for (Shard shard : shards) {
            synchronized (shard) {
                size += shard.size();
            }
        }
        return size;
    }

    /** The most keys held at once. */
    public int capacity() {
        return shards.length * shards[0].capacity;
    }

    /** The previous window's share of the estimate, rounded down. */
    private long weighted(int previous, long elapsed) {
        return (long) (previous * ((double) (windowNanos - elapsed) / windowNanos));
    }

    /**
     * The smallest wait after which one more request fits, assuming no other is allowed
     * meanwhile: later in this window if the current count leaves room, else in the next one,
     * where the current count becomes the previous one and decays. One request fits once
     * {@code previous * (1 - elapsed/window) < limit - current}.
     */
    static long waitNanos(long windowNanos, long previous, long current, long elapsed, int limit) {
        long wait;
        if (current < limit && previous > 0) {
            double reach = windowNanos - (double) (limit - current) * windowNanos / previous;
            wait = (long) Math.floor(reach - elapsed) + 1;
        } else {
            double reach = current == 0 ? 0 : Math.max(0, windowNanos - (double) limit * windowNanos / current);
            wait = (windowNanos - elapsed) + (long) Math.floor(reach) + 1;
        }
        return Math.max(1, wait);
    }

    // Fibonacci hashing spreads String hashes that differ only in low bits over the shards.
    private static int spread(int hash) {
        return (hash * 0x9E3779B9) >>> 24;
    }

    /** One key's counts; guarded by its shard. */
    private static final class Counts {
        long index;
        int previous;
        int current;

        Counts(long index) {
            this.index = index;
        }

        void roll(long now) {
            if (now == index) {
                return;
            }
            previous = now == index + 1 ? current : 0;
            current = 0;
            index = now;
        }
    }

    /** Keys of one stripe, least recently used first; guarded by its own monitor. */
    private static final class Shard extends LinkedHashMap<String, Counts> {
        final int capacity;
        long index;

        Shard(int capacity) {
            super(16, 0.75f, true);
            this.capacity = capacity;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Counts> eldest) {
            if (eldest.getValue().index < index - 1) {
                // Idle for two windows: both counts would roll to zero, so dropping is lossless.
                Iterator<Counts> entries = values().iterator();
                for (int swept = 0; swept < SWEEP && entries.hasNext(); swept++) {
                    if (entries.next().index >= index - 1) {
                        break;
                    }
                    entries.remove();
                }
                return false;
            }
            return size() > capacity;
        }
    }
}
