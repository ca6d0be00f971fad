package io.nexus.gateway.proxy;

import io.nexus.gateway.config.RetrySettings;
import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.routing.Route;
import io.nexus.gateway.upstream.Balancer;
import io.nexus.gateway.upstream.RetryBudget;
import io.nexus.gateway.upstream.Target;
import io.nexus.gateway.upstream.Upstream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Set;

/**
 * One client request's calls to its route's upstream: the deadline all attempts share, the
 * target of each attempt, its circuit breaker permit, the retry budget, the outcome recorded
 * for the breaker, passive health and the latency histogram, and whether another attempt may go
 * out. Knows nothing of Jetty: the proxy servlet reports what happened.
 *
 * <p>Every permit it takes ends in exactly one record or release: {@link #attemptEnded} records
 * the attempt that holds it, and {@link #release()} (the exchange's completion, whatever path
 * the request took) gives back a permit that no attempt used; after that, no attempt starts.
 */
final class UpstreamCall implements Exchange.Lease {

    /** The call of a request, from its first attempt on. */
    static final Exchange.Key<UpstreamCall> KEY = Exchange.Key.of("upstream-call");

    // Methods whose repetition has the effect of one request (RFC 9110 §9.2.2); POST and PATCH never.
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");
    private static final int IDLE = 0;
    private static final int HOLDING_PERMIT = 1;
    private static final int CLOSED = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(UpstreamCall.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Route route;
    private final Upstream upstream;
    private final RetrySettings retries;
    private final long deadlineNanos;
    private final boolean replayable;
    private Target target;
    private int attempts;
    private long attemptStartNanos;
    private String refusal;
    private volatile boolean clientFailed;
    @SuppressWarnings("unused") // through STATE
    private volatile int state;

    /**
     * The route's request timeout covers every attempt, and what ran before them.
     *
     * @param hasBody whether the request streams a body, which cannot be replayed
     */
    UpstreamCall(Route route, String method, boolean hasBody) {
        this(route, method, hasBody, Long.MAX_VALUE);
    }

    /** @param deadlineNanos the exchange's deadline ({@code Exchange.deadlineNanos}), when it started before this call */
    UpstreamCall(Route route, String method, boolean hasBody, long deadlineNanos) {
        this.route = route;
        this.upstream = route.upstream();
        this.retries = route.settings().retries().orElse(null);
        this.deadlineNanos = Math.min(deadlineNanos, System.nanoTime() + route.requestTimeoutMillis() * 1_000_000);
        this.replayable = IDEMPOTENT.contains(method) && !hasBody;
        RetryBudget budget = route.retryBudget();
        if (budget != null) {
            budget.deposit();
        }
    }

    Route route() {
        return route;
    }

    Upstream upstream() {
        return upstream;
    }

    /**
     * Starts an attempt: takes a breaker permit and picks a healthy target, on a retry another
     * one than the last when the balancer has one.
     *
     * @return whether the attempt may go out; else {@link #refusal()} says why
     */
    boolean startAttempt() {
        if (!upstream.breaker().tryAcquire()) {
            refusal = "the circuit breaker of upstream " + upstream.name() + " is open";
            return false;
        }
        Target next = pick(upstream.balancer(), target);
        if (next == null || !STATE.compareAndSet(this, IDLE, HOLDING_PERMIT)) {
            upstream.breaker().release();
            refusal = next == null ? "no healthy target in upstream " + upstream.name() : "the client request is complete";
            return false;
        }
        target = next;
        attempts++;
        attemptStartNanos = System.nanoTime();
        return true;
    }

    /** A healthy target; on a retry, another one than {@code previous} when the balancer has one. */
    private static Target pick(Balancer balancer, Target previous) {
        Target picked = balancer.pick();
        if (previous != null && picked == previous) {
            Target other = balancer.pick();
            if (other != null) {
                picked = other;
            }
        }
        return picked;
    }

    /** The target of the current (or last) attempt. */
    Target target() {
        return target;
    }

    int attempts() {
        return attempts;
    }

    /** Why the last attempt could not start. */
    String refusal() {
        return refusal;
    }

    /** Milliseconds left until the deadline; at least 1 while time is left, else 0. */
    long remainingMillis() {
        long left = deadlineNanos - System.nanoTime();
        return left <= 0 ? 0 : Math.max(1, left / 1_000_000);
    }

    /** The client's side failed (left, or sent a broken body): not the upstream's fault. */
    void clientFailed() {
        clientFailed = true;
    }

    /**
     * Records how the current attempt ended and returns its permit: a failure or a 5xx counts
     * against the breaker and the target's passive health, anything else for them; a client's
     * failure says nothing about the upstream and only returns the permit.
     *
     * @param status the upstream's status, 0 when there was no response
     * @param failure why the attempt failed, {@code null} when it did not
     */
    void attemptEnded(int status, Throwable failure) {
        if (!STATE.compareAndSet(this, HOLDING_PERMIT, IDLE)) {
            // The exchange completed first (the client left) and returned the permit.
            return;
        }
        long duration = System.nanoTime() - attemptStartNanos;
        upstream.latency().observe(duration / 1e9);
        if (clientFailed) {
            upstream.breaker().release();
        } else if (failure != null || status >= 500) {
            upstream.breaker().onFailure(duration, failure != null ? failure : new UpstreamStatusException(status));
            upstream.passiveHealth().onFailure(target);
        } else {
            upstream.breaker().onSuccess(duration);
            upstream.passiveHealth().onSuccess(target);
        }
    }

    /** Whether an answer with {@code status} is replaced by another attempt; takes a budget token when it says yes. */
    boolean retriesStatus(int status) {
        return retries != null && retries.retryOn().contains(status) && mayRetry();
    }

    /** Whether a failed attempt is replaced by another one (connect failures only); takes a budget token when it says yes. */
    boolean retriesFailure(Throwable failure) {
        return retries != null && retries.retryOnConnectFailure() && isConnectFailure(failure) && mayRetry();
    }

    /**
     * Another attempt may go out for a replayable request (an idempotent method without a body:
     * a body was streamed upstream and cannot be replayed) with attempts and time left, a client
     * still there, and a budget that pays.
     */
    private boolean mayRetry() {
        return attempts < retries.attempts() && replayable && !clientFailed && state != CLOSED && remainingMillis() > 0
            && route.retryBudget().tryWithdraw();
    }

    /** A failure to connect: the request certainly never reached the upstream. */
    static boolean isConnectFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof NoRouteToHostException || cause instanceof UnknownHostException
                || cause instanceof UnresolvedAddressException) {
                return true;
            }
            if (cause instanceof SocketTimeoutException && String.valueOf(cause.getMessage()).contains("Connect")) {
                return true;
            }
        }
        return false;
    }

    /** Whether the exchange has completed: no attempt starts any more. */
    boolean isClosed() {
        return state == CLOSED;
    }

    /** The exchange completed: returns a permit that no attempt used, and lets no attempt start. */
    @Override
    public void release() {
        if ((int) STATE.getAndSet(this, CLOSED) == HOLDING_PERMIT) {
            upstream.breaker().release();
        }
    }
}
