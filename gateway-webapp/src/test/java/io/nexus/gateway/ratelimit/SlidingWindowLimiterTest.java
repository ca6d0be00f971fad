package io.nexus.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SlidingWindowLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    /** A clock the test moves by hand; starts mid-window, as a real clock would. */
    private final AtomicLong clock = new AtomicLong(7 * SECOND + SECOND / 3);

    private SlidingWindowLimiter limiter(Duration window, int maxKeys) {
        return new SlidingWindowLimiter(window, maxKeys, clock::get);
    }

    @Test
    void allowsTheLimitThenRefusesWithinOneWindow() {
        SlidingWindowLimiter limiter = limiter(Duration.ofSeconds(1), 1000);
        for (int i = 0; i < 5; i++) {
            long decision = limiter.acquire("a", 5);
            assertThat(SlidingWindowLimiter.allowed(decision)).isTrue();
            assertThat(decision).isEqualTo(4 - i);
        }
        long refused = limiter.acquire("a", 5);
        assertThat(SlidingWindowLimiter.allowed(refused)).isFalse();
        // The current window holds all 5: the next one starts in 2/3 s, and there the 5 weigh
        // 5 * (1 - f), rounded down to 4 at once: room for one more.
        assertThat(SlidingWindowLimiter.retryAfterNanos(refused)).isCloseTo(2 * SECOND / 3, within(1_000L));
    }

    @Test
    void retryAfterIsWhenTheNextRequestReallyFits() {
        SlidingWindowLimiter limiter = limiter(Duration.ofSeconds(1), 1000);
        for (int i = 0; i < 10; i++) {
            limiter.acquire("a", 10);
        }
        long refused = limiter.acquire("a", 10);
        clock.addAndGet(SlidingWindowLimiter.retryAfterNanos(refused) - 1000);
        assertThat(SlidingWindowLimiter.allowed(limiter.acquire("a", 10))).isFalse();
        clock.addAndGet(2000);
        assertThat(SlidingWindowLimiter.allowed(limiter.acquire("a", 10))).isTrue();
    }

    /**
     * Clients asking three times the limit, spread evenly over 20 windows, get the configured
     * rate: within 10% over every span of 4 windows, and within 2% overall.
     */
    @Test
    void steadyOverloadGetsTheConfiguredRate() {
        SlidingWindowLimiter limiter = limiter(Duration.ofMillis(100), 1000);
        int limit = 50;
        int perWindow = 3 * limit;
        int windows = 20;
        long step = Duration.ofMillis(100).toNanos() / perWindow;
        int[] allowedPerWindow = new int[windows];
        for (int w = 0; w < windows; w++) {
            for (int i = 0; i < perWindow; i++) {
                // Many clients, one key (key = route): the limit is theirs together.
                if (SlidingWindowLimiter.allowed(limiter.acquire("route", limit))) {
                    allowedPerWindow[w]++;
                }
                clock.addAndGet(step);
            }
        }
        for (int w = 1; w + 4 <= windows; w++) {
            int sum = 0;
            for (int i = w; i < w + 4; i++) {
                sum += allowedPerWindow[i];
            }
            assertThat(sum).as("allowed in windows %d..%d", w, w + 3).isBetween((int) (4 * limit * 0.9), (int) (4 * limit * 1.1));
        }
        int total = 0;
        for (int count : allowedPerWindow) {
            total += count;
        }
        assertThat(total).isBetween((int) (windows * limit * 0.98), (int) (windows * limit * 1.02) + limit);
    }

    @Test
    void aSaturatedKeyGetsExactlyTheLimitPerWindow() {
        SlidingWindowLimiter limiter = limiter(Duration.ofSeconds(1), 1000);
        clock.set(100 * SECOND);
        int allowed = 0;
        // 10 windows, a request every millisecond: 10 times the limit of 100.
        for (int i = 0; i < 10_000; i++) {
            if (SlidingWindowLimiter.allowed(limiter.acquire("k", 100))) {
                allowed++;
            }
            clock.addAndGet(SECOND / 1000);
        }
        assertThat(allowed).isEqualTo(1000);
    }

    @Test
    void concurrentThreadsNeverGetMoreThanTheLimitInAFrozenWindow() throws Exception {
        SlidingWindowLimiter limiter = limiter(Duration.ofSeconds(1), 1000);
        AtomicInteger allowed = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofPlatform().name("acquire-" + t).start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < 10_000; i++) {
                    if (SlidingWindowLimiter.allowed(limiter.acquire("shared", 1234))) {
                        allowed.incrementAndGet();
                    }
                }
            }));
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(30));
        }
        assertThat(allowed.get()).isEqualTo(1234);
    }

    @Test
    void keysAreIsolated() {
        SlidingWindowLimiter limiter = limiter(Duration.ofMinutes(1), 1000);
        for (int i = 0; i < 3; i++) {
            limiter.acquire("greedy", 3);
        }
        assertThat(SlidingWindowLimiter.allowed(limiter.acquire("greedy", 3))).isFalse();
        assertThat(SlidingWindowLimiter.allowed(limiter.acquire("quiet", 3))).isTrue();
        assertThat(limiter.acquire("other", 3)).isEqualTo(2);
    }

    @Test
    void idleKeysAreSweptWhenNewKeysArrive() {
        SlidingWindowLimiter limiter = limiter(Duration.ofSeconds(1), 100_000);
        for (int i = 0; i < 10_000; i++) {
            limiter.acquire("old-" + i, 10);
        }
        assertThat(limiter.size()).isEqualTo(10_000);
        clock.addAndGet(3 * SECOND);
        // Each new key sweeps up to SWEEP idle keys of its shard.
        for (int i = 0; i < 10_000; i++) {
            limiter.acquire("new-" + i, 10);
        }
        assertThat(limiter.size()).isEqualTo(10_000);
    }

    @Test
    void aFloodOfAMillionDistinctKeysStaysWithinTheCapAndItsMemory() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        int maxKeys = 20_000;
        long before = usedHeapAfterGc(memory);
        SlidingWindowLimiter limiter = limiter(Duration.ofMinutes(1), maxKeys);
        // A frozen clock: no key ever turns idle, so only the cap bounds the map.
        StringBuilder key = new StringBuilder(24);
        for (int i = 0; i < 1_000_000; i++) {
            key.setLength(0);
            key.append("10.").append((i >>> 16) & 0xFF).append('.').append((i >>> 8) & 0xFF).append('.').append(i & 0xFF);
            limiter.acquire(key.toString(), 100);
        }
        assertThat(limiter.size()).isLessThanOrEqualTo(maxKeys).isGreaterThan(maxKeys * 9 / 10);
        long after = usedHeapAfterGc(memory);
        long perKey = (after - before) / limiter.size();
        System.out.printf("limiter: %d keys held after 1,000,000 distinct keys; heap grew %d bytes (%d bytes per key)%n",
            limiter.size(), after - before, perKey);
        // About 150 bytes a key (map entry, counts, the key string); 400 leaves room for GC noise.
        assertThat(after - before).isLessThan(400L * maxKeys);
        // The limiter still works for a key it evicted and for a new one.
        assertThat(SlidingWindowLimiter.allowed(limiter.acquire("10.0.0.0", 100))).isTrue();
        assertThat(limiter.size()).isLessThanOrEqualTo(maxKeys);
    }

    @Test
    void theCapCountsAllShards() {
        assertThat(limiter(Duration.ofSeconds(1), 100_000).capacity()).isEqualTo(256 * 390);
        assertThat(limiter(Duration.ofSeconds(1), 100).capacity()).isEqualTo(4 * 25);
        assertThat(limiter(Duration.ofSeconds(1), 1).capacity()).isEqualTo(1);
    }

    private static long usedHeapAfterGc(MemoryMXBean memory) {
        long used = Long.MAX_VALUE;
        // A few rounds: one GC may leave garbage a finalizer or reference queue frees next.
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
