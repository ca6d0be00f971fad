package io.nexus.gateway.upstream;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds what one upstream is asked to do at once, Envoy-style: at most {@code max-requests} in
 * flight to it, at most {@code max-pending-requests} waiting for one of those places, each for at
 * most {@code queue-timeout} (and never past its own deadline). Beyond that a request is refused
 * at once: the gateway's own decision, which says nothing about the upstream's health.
 *
 * <p>The places are a fair semaphore, so that the request that has waited longest gets the next
 * one, and the oldest waiters are the first to reach their timeout and be shed. A request waits
 * on its own (virtual) thread.
 */
public final class UpstreamLoad {

    /** What a request got. */
    public enum Entry {
        ADMITTED,
        /** More than {@code max-pending-requests} were waiting already. */
        QUEUE_FULL,
        /** No place freed up within the queue timeout (or the request's deadline). */
        QUEUE_TIMEOUT
    }

    private final int maxRequests;
    private final int maxPending;
    private final long queueTimeoutNanos;
    private final Semaphore places;
    private final AtomicInteger pending = new AtomicInteger();

    public UpstreamLoad(int maxRequests, int maxPending, long queueTimeoutNanos) {
        this.maxRequests = maxRequests;
        this.maxPending = maxPending;
        this.queueTimeoutNanos = queueTimeoutNanos;
        this.places = new Semaphore(maxRequests, true);
    }

    /**
     * Takes a place, waiting for one when none is free.
     *
     * @param deadlineNanos the request's own deadline ({@link System#nanoTime()} scale): it never waits past it
     */
    public Entry enter(long deadlineNanos) throws InterruptedException {
        if (places.tryAcquire()) {
            return Entry.ADMITTED;
        }
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            return Entry.QUEUE_FULL;
        }
        try {
            long wait = Math.min(queueTimeoutNanos, deadlineNanos - System.nanoTime());
            return wait > 0 && places.tryAcquire(wait, TimeUnit.NANOSECONDS) ? Entry.ADMITTED : Entry.QUEUE_TIMEOUT;
        } finally {
            pending.decrementAndGet();
        }
    }

    /** Gives back the place of an admitted request. */
    public void leave() {
        places.release();
    }

    /** Requests in flight to the upstream. */
    public int active() {
        return maxRequests - places.availablePermits();
    }

    /** Requests waiting for a place. */
    public int pending() {
        return pending.get();
    }
}
