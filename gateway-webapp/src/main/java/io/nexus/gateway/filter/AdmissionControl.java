package io.nexus.gateway.filter;

import io.nexus.gateway.exchange.Exchange;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Backpressure: a semaphore of {@code max-concurrent-requests} permits. A request takes one
 * before it is proxied and gives it back when its response completes; when none is free it
 * waits at most {@code queue-timeout} (never, by default) and is then refused.
 */
public final class AdmissionControl implements Exchange.Lease {

    private final int permits;
    private final long queueTimeoutNanos;
    // Non-fair: barging keeps the uncontended path a single CAS.
    private final Semaphore semaphore;
    private final AtomicInteger waiting = new AtomicInteger();

    public AdmissionControl(int permits, Duration queueTimeout) {
        this.permits = permits;
        this.queueTimeoutNanos = queueTimeout.toNanos();
        this.semaphore = new Semaphore(permits);
    }

    /** Takes a permit, waiting up to the queue timeout; {@code false} means refuse the request. */
    public boolean tryAdmit() throws InterruptedException {
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

    /** Permits in use: requests admitted and not yet completed. */
    public int inflight() {
        return permits - semaphore.availablePermits();
    }

    /** Requests waiting for a permit. */
    public int queued() {
        return waiting.get();
    }
}
