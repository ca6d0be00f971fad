package io.nexus.gateway.filter;

import io.nexus.gateway.concurrency.AdaptiveLimit;
import io.nexus.gateway.concurrency.LatencySample;
import io.nexus.gateway.exchange.Exchange;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Backpressure: a semaphore of {@code max-concurrent-requests} permits, or of as many as the
 * {@link AdaptiveLimit} allows at the moment. A request takes one before it is proxied and gives
 * it back when its response completes; when none is free it waits at most {@code queue-timeout}
 * (never, by default) and is then refused.
 *
 * <p>An adaptive limit resizes the semaphore when it moves, as Netflix's own {@code SimpleLimiter}
 * does: a rise releases permits, a fall takes them away ({@code reducePermits}, which may leave
 * fewer than none free until enough requests complete). A request then costs the same single CAS
 * as under a fixed limit, plus its {@link LatencySample}.
 */
public final class AdmissionControl implements Exchange.Lease {

    private final long queueTimeoutNanos;
    // Non-fair: barging keeps the uncontended path a single CAS.
    private final ResizableSemaphore semaphore;
    private final AdaptiveLimit adaptive;
    private final AtomicInteger waiting = new AtomicInteger();
    // Written under this object's lock by resize, read by the gauges.
    private volatile int permits;

    /** A fixed limit of {@code permits}. */
    public AdmissionControl(int permits, Duration queueTimeout) {
        this(permits, queueTimeout, null);
    }

    /** A limit that {@code adaptive} moves. */
    public AdmissionControl(AdaptiveLimit adaptive, Duration queueTimeout) {
        this(adaptive.limit(), queueTimeout, adaptive);
        adaptive.onChange(this::resize);
    }

    private AdmissionControl(int permits, Duration queueTimeout, AdaptiveLimit adaptive) {
        this.permits = permits;
        this.queueTimeoutNanos = queueTimeout.toNanos();
        this.semaphore = new ResizableSemaphore(permits);
        this.adaptive = adaptive;
    }

    /**
     * Takes a permit for the exchange, waiting up to the queue timeout, and has the exchange hold
     * it (with its latency sample under an adaptive limit) until it completes.
     *
     * @return {@code false}: refuse the request
     */
    public boolean tryAdmit(Exchange exchange) throws InterruptedException {
        if (!acquire()) {
            return false;
        }
        if (adaptive == null) {
            exchange.hold(this);
        } else {
            LatencySample sample = adaptive.admitted(exchange, this, inflight());
            exchange.put(LatencySample.KEY, sample);
            exchange.hold(sample);
        }
        return true;
    }

    private boolean acquire() throws InterruptedException {
        if (semaphore.tryAcquire()) {
            return true;
        }
        if (queueTimeoutNanos <= 0) {
            return false;
        }
        waiting.incrementAndGet();
        try {
            return semaphore.tryAcquire(queueTimeoutNanos, TimeUnit.NANOSECONDS);
        } finally {
            waiting.decrementAndGet();
        }
    }

    @Override
    public void release() {
        semaphore.release();
    }

    private synchronized void resize(int limit) {
        int change = limit - permits;
        permits = limit;
        if (change > 0) {
            semaphore.release(change);
        } else if (change < 0) {
            semaphore.reducePermits(-change);
        }
    }

    /** The limit now: {@code max-concurrent-requests}, or where the adaptive limit stands. */
    public int limit() {
        return permits;
    }

    /** Permits in use: requests admitted and not yet completed. */
    public int inflight() {
        return permits - semaphore.availablePermits();
    }

    /** Requests waiting for a permit. */
    public int queued() {
        return waiting.get();
    }

    /** A semaphore whose permits can be taken away ({@link Semaphore#reducePermits} is protected). */
    private static final class ResizableSemaphore extends Semaphore {

        ResizableSemaphore(int permits) {
            super(permits);
        }

        @Override
        protected void reducePermits(int reduction) {
            super.reducePermits(reduction);
        }
    }
}
