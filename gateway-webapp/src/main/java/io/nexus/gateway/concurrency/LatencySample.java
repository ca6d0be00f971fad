package io.nexus.gateway.concurrency;

import io.nexus.gateway.exchange.Exchange;

/**
 * One admitted request's sample for the {@link AdaptiveLimit}, held by its exchange. The proxy
 * tells it how each upstream attempt ended, after classifying the failure (the last attempt
 * counts); when the exchange completes it gives back the admission permit and hands the limit
 * its sample:
 * <ul>
 *   <li>the upstream answered: the latency from admission to the answer (to the response head
 *       for a stream, whose length is its client's business);</li>
 *   <li>the upstream failed (refused, reset, timed out, or answered one of its
 *       {@code failure-statuses}): the same latency, marked as a drop;</li>
 *   <li>nothing to learn: the client went away (499), the gateway refused the request itself
 *       (an upstream queue, a middleware, a breaker) or no attempt went out. Such a request's
 *       latency says nothing about the upstreams' load, and a 499 must never lower the limit.</li>
 * </ul>
 */
public final class LatencySample implements Exchange.Lease {

    /** The sample of a request admitted under an adaptive limit; absent under a fixed one. */
    public static final Exchange.Key<LatencySample> KEY = Exchange.Key.of("latency-sample");

    private static final int NONE = 0;
    private static final int ANSWERED = 1;
    private static final int DROPPED = 2;

    private final AdaptiveLimit limit;
    private final Exchange exchange;
    private final Exchange.Lease permit;
    private final long admittedNanos;
    private final int inflight;
    // Written before outcome, read after it: the volatile write publishes both.
    private long endNanos;
    private volatile int outcome;

    LatencySample(AdaptiveLimit limit, Exchange exchange, Exchange.Lease permit, long admittedNanos, int inflight) {
        this.limit = limit;
        this.exchange = exchange;
        this.permit = permit;
        this.admittedNanos = admittedNanos;
        this.inflight = inflight;
    }

    /** The upstream answered at {@code endNanos} ({@link System#nanoTime()}). */
    public void answered(long endNanos) {
        ended(endNanos, ANSWERED);
    }

    /** The upstream failed at {@code endNanos}: a timeout, a refusal, a reset, a failure status. */
    public void dropped(long endNanos) {
        ended(endNanos, DROPPED);
    }

    /** The attempt ended for a reason that says nothing about the upstream's load. */
    public void ignored() {
        outcome = NONE;
    }

    private void ended(long endNanos, int outcome) {
        this.endNanos = endNanos;
        this.outcome = outcome;
    }

    /** The exchange completed: the sample goes to the limit, then the permit goes back. */
    @Override
    public void release() {
        try {
            int ended = outcome;
            if (ended != NONE && !exchange.isClientGone()) {
                limit.sample(admittedNanos, Math.max(0, endNanos - admittedNanos), inflight, ended == DROPPED);
            }
        } finally {
            permit.release();
        }
    }
}
