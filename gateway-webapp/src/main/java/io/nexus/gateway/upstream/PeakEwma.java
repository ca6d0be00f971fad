package io.nexus.gateway.upstream;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A target's latency as Finagle's and Linkerd's "peak EWMA" keeps it: a sample above the average
 * replaces it at once (the peak), one below pulls it down by a weight that grows with the time
 * since the last sample ({@code exp(-elapsed / decay)}), and a target that gets no samples decays
 * towards 0, so that one that was slow is tried again after a while instead of never.
 *
 * <p>Lock-free: a sample is a compare-and-set of the average; the time of the last sample is
 * written after it, so a reader racing a sample may decay by a slightly wrong interval, which
 * only blurs an estimate that is a heuristic anyway.
 */
final class PeakEwma {

    /** Finagle's and Linkerd's default decay time. */
    static final long DECAY_NANOS = 10_000_000_000L;

    private static final VarHandle AVERAGE;

    static {
        try {
            AVERAGE = MethodHandles.lookup().findVarHandle(PeakEwma.class, "average", double.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // written through AVERAGE
    private volatile double average;
    private volatile long stamp = System.nanoTime();

    /** Takes a latency of {@code rttNanos} measured at {@code nowNanos}. */
    void observe(long rttNanos, long nowNanos) {
        for (;;) {
            double current = average;
            double w = weight(nowNanos - stamp);
            double next = rttNanos > current ? rttNanos : current * w + rttNanos * (1 - w);
            if (AVERAGE.compareAndSet(this, current, next)) {
                stamp = nowNanos;
                return;
            }
        }
    }

    /** The average at {@code nowNanos}, decayed for the time since the last sample; 0 before any. */
    double nanos(long nowNanos) {
        return average * weight(nowNanos - stamp);
    }

    private static double weight(long elapsedNanos) {
        return Math.exp(-Math.max(0, elapsedNanos) / (double) DECAY_NANOS);
    }
}
