package io.nexus.benchmarks;

import io.nexus.gateway.ratelimit.SlidingWindowLimiter;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code SlidingWindowLimiter.acquire} with the real clock, shared by all threads: one key that
 * every thread hits (a {@code key = route} limit, the worst case for the shard lock), 10,000
 * known client keys (the common case), and 1,000,000 keys over a 100,000-key cap (a flood:
 * mostly new keys that evict). The limit is high enough that the allowed path is measured.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LimiterBenchmark {

    @Param({"1", "10000", "1000000"})
    public int keys;

    SlidingWindowLimiter limiter;
    String[] names;

    @Setup
    public void setUp() {
        limiter = new SlidingWindowLimiter(Duration.ofSeconds(1), 100_000, System::nanoTime);
        names = new String[keys];
        for (int i = 0; i < keys; i++) {
            names[i] = "10." + ((i >>> 16) & 0xFF) + "." + ((i >>> 8) & 0xFF) + "." + (i & 0xFF);
        }
    }

    /** Each thread starts at its own place in the key list. */
    @State(Scope.Thread)
    public static class Cursor {
        int next = ThreadLocalRandom.current().nextInt(1 << 20);
    }

    @Benchmark
    public long acquire(Cursor cursor) {
        String key = names[Math.floorMod(cursor.next++, keys)];
        return limiter.acquire(key, Integer.MAX_VALUE);
    }
}
