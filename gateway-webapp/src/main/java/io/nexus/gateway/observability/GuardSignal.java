package io.nexus.gateway.observability;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The requests, 5xx answers and a latency sketch of one scope (a route, or the whole gateway),
 * in two tumbling windows (the current one and the one before it) plus, while the config guard
 * watches a change, a window of its own that starts with the change. Recording is two or three
 * array increments and no allocation; the sketch has a fixed size.
 */
public final class GuardSignal {

    // Latency buckets: two per power of two of nanoseconds, from 2^16 ns (66 us) to 2^39 ns (9 min);
    // quicker answers fall in the first, slower in the last. A p99 is read to within a bucket (+50%).
    private static final int FIRST_POWER = 16;
    private static final int LAST_POWER = 39;
    static final int BUCKETS = (LAST_POWER - FIRST_POWER + 1) * 2;
    private static final int REQUESTS = BUCKETS;
    private static final int ERRORS = BUCKETS + 1;

    private volatile AtomicLongArray current = newWindow();
    private volatile AtomicLongArray previous = newWindow();
    private volatile AtomicLongArray watched;

    /** Counts one answered request: {@code status} 5xx is an error; callers leave out what clients caused. */
    void record(int status, long durationNanos) {
        int bucket = bucket(durationNanos);
        boolean error = status >= 500;
        add(current, bucket, error);
        AtomicLongArray watch = watched;
        if (watch != null) {
            add(watch, bucket, error);
        }
    }

    private static void add(AtomicLongArray window, int bucket, boolean error) {
        window.getAndIncrement(bucket);
        window.getAndIncrement(REQUESTS);
        if (error) {
            window.getAndIncrement(ERRORS);
        }
    }

    /** Starts the next tumbling window; the current one becomes the previous. */
    void rotate() {
        if (current.get(REQUESTS) == 0 && previous.get(REQUESTS) == 0) {
            return;
        }
        previous = current;
        current = newWindow();
    }

    /** What the two tumbling windows saw: between one and two windows before now. */
    public Stats recent() {
        return Stats.of(previous, current);
    }

    /** Starts counting into a window of the guard's own, from now. */
    public void startWatch() {
        watched = newWindow();
    }

    /** What was seen since {@link #startWatch}. */
    public Stats watched() {
        AtomicLongArray watch = watched;
        return watch == null ? Stats.NONE : Stats.of(watch);
    }

    public void endWatch() {
        watched = null;
    }

    private static AtomicLongArray newWindow() {
        return new AtomicLongArray(BUCKETS + 2);
    }

    static int bucket(long nanos) {
        if (nanos <= 0) {
            return 0;
        }
        int power = 63 - Long.numberOfLeadingZeros(nanos);
        if (power < FIRST_POWER) {
            return 0;
        }
        if (power > LAST_POWER) {
            return BUCKETS - 1;
        }
        // The bit below the highest says which half of [2^power, 2^(power+1)) the value is in.
        int upperHalf = (int) (nanos >>> (power - 1)) & 1;
        return (power - FIRST_POWER) * 2 + upperHalf;
    }

    /** The largest value bucket {@code index} holds. */
    static long upperBoundNanos(int index) {
        int power = FIRST_POWER + index / 2;
        long base = 1L << power;
        return index % 2 == 0 ? base + base / 2 : 2 * base;
    }

    /** Requests, errors and the latency sketch of a span of time. */
    public record Stats(long requests, long errors, long[] buckets) {

        static final Stats NONE = new Stats(0, 0, new long[BUCKETS]);

        static Stats of(AtomicLongArray... windows) {
            long[] buckets = new long[BUCKETS];
            long requests = 0;
            long errors = 0;
            for (AtomicLongArray window : windows) {
                for (int i = 0; i < BUCKETS; i++) {
                    buckets[i] += window.get(i);
                }
                requests += window.get(REQUESTS);
                errors += window.get(ERRORS);
            }
            return new Stats(requests, errors, buckets);
        }

        /** The share of requests answered 5xx; 0 without requests. */
        public double errorRatio() {
            return requests == 0 ? 0 : (double) errors / requests;
        }

        /** The 99th percentile latency, as the upper bound of its bucket; 0 without requests. */
        public long p99Nanos() {
            long total = 0;
            for (long count : buckets) {
                total += count;
            }
            long rank = (long) Math.ceil(total * 0.99);
            long seen = 0;
            for (int i = 0; i < BUCKETS; i++) {
                seen += buckets[i];
                if (seen >= rank && seen > 0) {
                    return upperBoundNanos(i);
                }
            }
            return 0;
        }
    }
}
