package io.nexus.gateway.upstream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps retries from multiplying load in an outage: every request deposits {@code percent}
 * hundredths of a retry, every retry withdraws a whole one, and the balance starts at (and is
 * capped near) {@code minRetries}. Lock-free: one CAS per deposit or withdrawal.
 */
public final class RetryBudget {

    private static final long ONE = 100;

    private final long deposit;
    private final long cap;
    private final AtomicLong balance;

    public RetryBudget(int percent, int minRetries) {
        this.deposit = percent;
        this.cap = Math.max(ONE * minRetries, ONE * 10);
        this.balance = new AtomicLong(ONE * minRetries);
    }

    public void deposit() {
        if (deposit == 0) {
            return;
        }
        long current;
        do {
            current = balance.get();
            if (current >= cap) {
                return;
            }
        } while (!balance.compareAndSet(current, Math.min(cap, current + deposit)));
    }

    public boolean tryWithdraw() {
        long current;
        do {
            current = balance.get();
            if (current < ONE) {
                return false;
            }
        } while (!balance.compareAndSet(current, current - ONE));
        return true;
    }
}
