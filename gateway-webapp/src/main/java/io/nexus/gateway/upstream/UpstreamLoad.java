package io.nexus.gateway.upstream;

import io.nexus.gateway.config.RouteSettings.Priority;
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
 *
 * <p>A route's {@code priority} changes who waits: {@code low} never waits (it takes a free place
 * while nobody waits, else it is refused at once: under overload it is shed first);
 * {@code high} gets the next freed place ahead of every waiting {@code normal} request, and may
 * wait even when {@code max-pending-requests} normal requests wait already (up to as many again).
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
    /** Places handed straight from a leaving request to a waiting high-priority one. */
    private final Semaphore handedToHigh = new Semaphore(0);
    /** High-priority waiters no leaving request has handed a place to yet. */
    private final AtomicInteger unservedHigh = new AtomicInteger();

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
     * @param priority the route's: who is shed first, and who gets a freed place first
     */
    public Entry enter(long deadlineNanos, Priority priority) throws InterruptedException {
        if (priority == Priority.LOW) {
            // Someone waits already (the upstream is saturated): low is the first to go.
            return pending.get() == 0 && places.tryAcquire() ? Entry.ADMITTED : Entry.QUEUE_FULL;
        }
        if (places.tryAcquire()) {
            return Entry.ADMITTED;
        }
        int limit = priority == Priority.HIGH ? 2 * maxPending : maxPending;
        if (pending.incrementAndGet() > limit) {
            pending.decrementAndGet();
            return Entry.QUEUE_FULL;
        }
        try {
            long wait = Math.min(queueTimeoutNanos, deadlineNanos - System.nanoTime());
            if (wait <= 0) {
                return Entry.QUEUE_TIMEOUT;
            }
            if (priority == Priority.HIGH) {
                return awaitHandedPlace(wait) ? Entry.ADMITTED : Entry.QUEUE_TIMEOUT;
            }
            return places.tryAcquire(wait, TimeUnit.NANOSECONDS) ? Entry.ADMITTED : Entry.QUEUE_TIMEOUT;
        } finally {
            pending.decrementAndGet();
        }
    }

    /**
     * A high-priority request waits for a place that a leaving request hands it ({@link #leave}),
     * ahead of the normal requests waiting on the fair semaphore. {@code unservedHigh} counts the
     * waiters no place was handed to yet; a leaving request claims one by decrementing it and
     * then releases one handed place, so handed places = claims, and a waiter that finds nothing
     * left to withdraw has been claimed: its place is on its way.
     */
    private boolean awaitHandedPlace(long waitNanos) throws InterruptedException {
        unservedHigh.incrementAndGet();
        // A place freed between the first try and registering went to the semaphore: take it.
        if (places.tryAcquire()) {
            if (!withdraw()) {
                // Claimed meanwhile: that handed place is now one too many; give it back.
                handedToHigh.acquireUninterruptibly();
                places.release();
            }
            return true;
        }
        if (handedToHigh.tryAcquire(waitNanos, TimeUnit.NANOSECONDS)) {
            return true;
        }
        if (withdraw()) {
            return false;
        }
        // Claimed just as the wait ended: the place is being handed over, a moment away.
        handedToHigh.acquireUninterruptibly();
        return true;
    }

    /** Takes this waiter off {@code unservedHigh}; false when every waiter has been claimed already. */
    private boolean withdraw() {
        for (int unserved = unservedHigh.get(); unserved > 0; unserved = unservedHigh.get()) {
            if (unservedHigh.compareAndSet(unserved, unserved - 1)) {
                return true;
            }
        }
        return false;
    }

    /** Gives back the place of an admitted request: to a waiting high-priority request first. */
    public void leave() {
        for (int unserved = unservedHigh.get(); unserved > 0; unserved = unservedHigh.get()) {
            if (unservedHigh.compareAndSet(unserved, unserved - 1)) {
                handedToHigh.release();
                return;
            }
        }
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
