package io.nexus.gateway.upstream;

import io.nexus.gateway.config.RouteSettings.Priority;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Bounds what one upstream is asked to do at once, Envoy-style: at most {@code max-requests} in
 * flight to it, at most {@code max-pending-requests} waiting for one of those places, each for at
 * most {@code queue-timeout} (and never past its own deadline). Beyond that a request is refused
 * at once: the gateway's own decision, which says nothing about the upstream's health.
 *
 * <p>Waiting requests queue in arrival order and a leaving request hands its place straight to
 * the first of them, so the request that has waited longest gets the next place and the oldest
 * waiters are the first to reach their timeout and be shed. A request waits on its own (virtual)
 * thread, parked without a timeout: one sweep every {@value #SWEEP_MILLIS} ms on the gateway's
 * scheduler, running only while someone waits, sheds those past their time. A timed park per
 * waiter would cost a timer entry set and cancelled on the JDK's delay scheduler thread per
 * request, a seventh of the CPU at 256 connections to one target (docs/performance.md).
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

    static final long SWEEP_MILLIS = 10;

    private final int maxRequests;
    private final int maxPending;
    private final long queueTimeoutNanos;
    private final Supplier<Scheduler> scheduler;
    /** Places nobody holds and nobody has been handed. */
    private final AtomicInteger free;
    private final AtomicInteger pending = new AtomicInteger();
    private final Queue<Waiter> waitingHigh = new ConcurrentLinkedQueue<>();
    private final Queue<Waiter> waitingNormal = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();

    /**
     * @param scheduler the gateway's, asked for when a first request waits (the upstream's client
     *     has one once started)
     */
    public UpstreamLoad(int maxRequests, int maxPending, long queueTimeoutNanos, Supplier<Scheduler> scheduler) {
        this.maxRequests = maxRequests;
        this.maxPending = maxPending;
        this.queueTimeoutNanos = queueTimeoutNanos;
        this.scheduler = scheduler;
        this.free = new AtomicInteger(maxRequests);
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
            return pending.get() == 0 && tryTakeFree() ? Entry.ADMITTED : Entry.QUEUE_FULL;
        }
        if (tryTakeFree()) {
            return Entry.ADMITTED;
        }
        int limit = priority == Priority.HIGH ? 2 * maxPending : maxPending;
        if (pending.incrementAndGet() > limit) {
            pending.decrementAndGet();
            return Entry.QUEUE_FULL;
        }
        try {
            long now = System.nanoTime();
            long wait = Math.min(queueTimeoutNanos, deadlineNanos - now);
            if (wait <= 0) {
                return Entry.QUEUE_TIMEOUT;
            }
            Waiter waiter = new Waiter(Thread.currentThread(), now + wait);
            (priority == Priority.HIGH ? waitingHigh : waitingNormal).add(waiter);
            // A place freed between the first try and joining the queue went to free: hand it out.
            handOutFreePlaces();
            sweepWhileWaiting();
            return waiter.await(this) ? Entry.ADMITTED : Entry.QUEUE_TIMEOUT;
        } finally {
            pending.decrementAndGet();
        }
    }

    /** Gives back the place of an admitted request: to the first waiting request, high priority first. */
    public void leave() {
        for (Waiter next = nextWaiting(); next != null; next = nextWaiting()) {
            if (next.admit()) {
                return;
            }
        }
        free.incrementAndGet();
        // A request that joined the queue after the look above must not wait while a place is free.
        handOutFreePlaces();
    }

    /** Requests in flight to the upstream. */
    public int active() {
        return maxRequests - free.get();
    }

    /** Requests waiting for a place. */
    public int pending() {
        return pending.get();
    }

    private boolean tryTakeFree() {
        for (int places = free.get(); places > 0; places = free.get()) {
            if (free.compareAndSet(places, places - 1)) {
                return true;
            }
        }
        return false;
    }

    /** Hands free places to waiting requests while there are both. */
    private void handOutFreePlaces() {
        while (someoneWaits() && tryTakeFree()) {
            Waiter next = nextWaiting();
            while (next != null && !next.admit()) {
                next = nextWaiting();
            }
            if (next == null) {
                free.incrementAndGet();
            }
        }
    }

    private boolean someoneWaits() {
        return !waitingHigh.isEmpty() || !waitingNormal.isEmpty();
    }

    /** Takes the first waiter off the queues (high first); it may have given up meanwhile. */
    private Waiter nextWaiting() {
        Waiter next = waitingHigh.poll();
        return next != null ? next : waitingNormal.poll();
    }

    private void sweepWhileWaiting() {
        while (sweeping.compareAndSet(false, true)) {
            Scheduler timer = scheduler.get();
            if (!(timer instanceof LifeCycle lifeCycle) || lifeCycle.isRunning()) {
                timer.schedule(this::sweep, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
            // Jetty's scheduler ignores tasks once stopped: nobody would shed the waiters, so they give up now.
            shedWaiting(0, true);
            if (!endSweeping()) {
                return;
            }
        }
    }

    private void sweep() {
        shedWaiting(System.nanoTime(), false);
        // The next sweep goes through the same check as the first: the scheduler may have stopped.
        if (endSweeping()) {
            sweepWhileWaiting();
        }
    }

    /** Ends the sweeping; true when someone still waits (or joined while its own call found it running). */
    private boolean endSweeping() {
        sweeping.set(false);
        return someoneWaits();
    }

    /** Sheds the waiters whose time is up at {@code now} (or all), and drops those that left the queue's care. */
    private void shedWaiting(long now, boolean all) {
        for (Queue<Waiter> queue : List.of(waitingHigh, waitingNormal)) {
            for (Iterator<Waiter> it = queue.iterator(); it.hasNext(); ) {
                Waiter waiter = it.next();
                if (!waiter.isWaiting() || ((all || now - waiter.deadlineNanos >= 0) && waiter.shed())) {
                    it.remove();
                }
            }
        }
    }

    /** A request waiting for a place; whoever moves it out of WAITING first decides its fate. */
    private static final class Waiter {
        private static final int WAITING = 0;
        private static final int ADMITTED = 1;
        private static final int SHED = 2;

        private final Thread thread;
        final long deadlineNanos;
        private final AtomicInteger state = new AtomicInteger(WAITING);

        Waiter(Thread thread, long deadlineNanos) {
            this.thread = thread;
            this.deadlineNanos = deadlineNanos;
        }

        boolean isWaiting() {
            return state.get() == WAITING;
        }

        /** Hands it a place; false when it gave up first. */
        boolean admit() {
            if (state.compareAndSet(WAITING, ADMITTED)) {
                LockSupport.unpark(thread);
                return true;
            }
            return false;
        }

        boolean shed() {
            if (state.compareAndSet(WAITING, SHED)) {
                LockSupport.unpark(thread);
                return true;
            }
            return false;
        }

        /** True once admitted, false once shed; an interrupt gives up the wait (or the place just handed). */
        boolean await(UpstreamLoad load) throws InterruptedException {
            while (state.get() == WAITING) {
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    if (!state.compareAndSet(WAITING, SHED) && state.get() == ADMITTED) {
                        load.leave();
                    }
                    throw new InterruptedException();
                }
            }
            return state.get() == ADMITTED;
        }
    }
}
