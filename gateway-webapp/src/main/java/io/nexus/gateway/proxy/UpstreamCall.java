package io.nexus.gateway.proxy;

import io.nexus.gateway.concurrency.LatencySample;
import io.nexus.gateway.config.RetrySettings;
import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.routing.Route;
import io.nexus.gateway.upstream.Balancer;
import io.nexus.gateway.upstream.RetryBudget;
import io.nexus.gateway.upstream.Target;
import io.nexus.gateway.upstream.Upstream;
import io.nexus.gateway.upstream.UpstreamLoad;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jetty.io.CyclicTimeouts;

/**
 * One client request's calls to its route's upstream: the deadline all attempts share, the
 * target of each attempt, its circuit breaker permit, the retry budget, the outcome recorded
 * for the breaker, passive health and the latency histogram, and whether another attempt may go
 * out. Knows nothing of Jetty's HTTP: the proxy servlet reports what happened, and
 * {@link InflightCalls} enforces the deadline through {@link #getExpireNanoTime()}.
 *
 * <p>Every permit it takes ends in exactly one record or release: {@link #attemptEnded} records
 * the attempt that holds it, and {@link #release()} (the exchange's completion, whatever path
 * the request took) gives back a permit that no attempt used; after that, no attempt starts.
 */
final class UpstreamCall implements Exchange.Lease, CyclicTimeouts.Expirable {

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
    private final Exchange exchange;
    private final InflightCalls inflight;
    private final Upstream upstream;
    /** The route's own retries, else its upstream's; {@code null} when a retry can never go out. */
    private final RetrySettings retries;
    private final RetryBudget retryBudget;
    private final long startNanos;
    private final long deadlineNanos;
    private final boolean replayable;
    /** Under an adaptive admission limit, what this request teaches it; else {@code null}. */
    private final LatencySample latency;
    // Written before the state's CAS to HOLDING_PERMIT, so that release() sees the target it must count out.
    private Target target;
    private int attempts;
    private long attemptStartNanos;
    private String refusal;
    private String refusalCause;
    private volatile boolean clientFailed;
    private volatile ExchangeFailure lastFailure;
    private volatile boolean responseBegun;
    private volatile boolean streaming;
    private long responseBeganNanos;
    private volatile Consumer<Throwable> abortAttempt;
    private volatile boolean stuckAborted;
    private volatile boolean endedByGateway;
    private volatile boolean deadlinePassed;
    private volatile boolean holdsPlace;
    @SuppressWarnings("unused") // through STATE
    private volatile int state;

    /**
     * The route's request timeout covers every attempt, and what ran before them.
     *
     * @param hasBody whether the request streams a body, which cannot be replayed
     * @param inflight where the call is in flight until the exchange completes
     */
    UpstreamCall(Exchange exchange, Route route, String method, boolean hasBody, InflightCalls inflight) {
        this(exchange, route, route.upstream(), method, hasBody, inflight);
    }

    /** A call to {@code upstream}, the side of the route's split the request falls on. */
    UpstreamCall(Exchange exchange, Route route, Upstream upstream, String method, boolean hasBody, InflightCalls inflight) {
        this.exchange = exchange;
        this.route = route;
        this.inflight = inflight;
        this.upstream = upstream;
        RetrySettings own = route.settings().retries().orElse(null);
        RetrySettings effective = own != null ? own : upstream.settings().retries();
        this.retries = effective.attempts() > 1 ? effective : null;
        this.retryBudget = retries == null ? null : own != null ? route.retryBudget() : upstream.retryBudget();
        this.startNanos = System.nanoTime();
        // The exchange's deadline, when it started before this call (admission queueing and a
        // fault delay spend it too), else the route's request timeout from now.
        this.deadlineNanos = Math.min(exchange == null ? Long.MAX_VALUE : exchange.deadlineNanos(),
            startNanos + route.requestTimeoutMillis() * 1_000_000);
        this.replayable = IDEMPOTENT.contains(method) && !hasBody;
        this.latency = exchange == null ? null : exchange.get(LatencySample.KEY);
        if (retryBudget != null) {
            retryBudget.deposit();
        }
        inflight.add(this);
    }

    Route route() {
        return route;
    }

    Upstream upstream() {
        return upstream;
    }

    /**
     * Takes a place with the upstream (its {@code max-requests}), waiting in its bounded queue
     * when none is free; the place is held until the exchange completes, across retries.
     *
     * @return {@link UpstreamLoad.Entry#ADMITTED}, or why the request is shed
     */
    UpstreamLoad.Entry enterUpstream() throws InterruptedException {
        UpstreamLoad.Entry entry = upstream.load().enter(deadlineNanos, route.settings().priority());
        if (entry == UpstreamLoad.Entry.ADMITTED) {
            holdsPlace = true;
        } else {
            upstream.meter().error(entry == UpstreamLoad.Entry.QUEUE_FULL ? "upstream_queue_full" : "queue_timeout");
        }
        return entry;
    }

    /**
     * Starts an attempt: takes a breaker permit and picks a healthy target, on a retry another
     * one than the last when the balancer has one.
     *
     * @return whether the attempt may go out; else {@link #refusal()} says why
     */
    boolean startAttempt() {
        if (!upstream.breaker().tryAcquire()) {
            refused("breaker_open", "the circuit breaker of upstream " + upstream.name() + " is open");
            return false;
        }
        Target next = pick(upstream.balancer(), target);
        if (next == null) {
            upstream.breaker().release();
            refused("no_healthy_target", "no healthy target in upstream " + upstream.name());
            return false;
        }
        target = next;
        next.attemptStarted();
        if (!STATE.compareAndSet(this, IDLE, HOLDING_PERMIT)) {
            next.attemptEnded(-1);
            upstream.breaker().release();
            refusal = "the client request is complete";
            refusalCause = ExchangeFailure.CLIENT_CLOSED;
            return false;
        }
        attempts++;
        if (exchange != null) {
            exchange.attemptStarted();
        }
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

    private void refused(String cause, String message) {
        refusal = message;
        refusalCause = cause;
        upstream.meter().error(cause);
    }

    /** Why the last attempt could not start. */
    String refusal() {
        return refusal;
    }

    /** The contract's cause of {@link #refusal()}. */
    String refusalCause() {
        return refusalCause;
    }

    /** Milliseconds left until the deadline; at least 1 while time is left, else 0. */
    long remainingMillis() {
        long left = deadlineNanos - System.nanoTime();
        return left <= 0 ? 0 : Math.max(1, left / 1_000_000);
    }

    /**
     * The client went away while the call was in flight (an HTTP/2 or gRPC client's RST_STREAM, a
     * closed connection): the attempt is aborted at once, so the upstream sees the cancellation
     * (its own RST_STREAM, or a closed connection) instead of working on for no one until the
     * next write to the client fails, which for a silent stream is never.
     */
    void clientCancelled(Throwable cause) {
        clientFailed();
        abortAttempt(cause);
    }

    /** The client's side failed (it left, stalled, or sent a broken or oversize body): not the upstream's fault. */
    void clientFailed() {
        clientFailed = true;
    }

    /**
     * Records how the current attempt ended and returns its permit. A failure the upstream caused,
     * or a status in the upstream's {@code failure-statuses}, counts against the breaker and the
     * target's passive health; any other answer counts for them. A failure the client or the
     * gateway caused says nothing about the upstream: it only returns the permit.
     *
     * @param status the upstream's status, 0 when there was no response
     * @param failure why the attempt failed, {@code null} when it did not
     */
    void attemptEnded(int status, Throwable failure) {
        ExchangeFailure classified = failure == null ? null : ExchangeFailure.classify(failure, clientFailed);
        lastFailure = classified;
        if (!STATE.compareAndSet(this, HOLDING_PERMIT, IDLE)) {
            // The exchange completed first (the client left) and returned the permit.
            return;
        }
        // A stream's length is its client's business: the breaker's slow calls and the latency
        // histogram measure it to its head.
        long endNanos = streaming ? responseBeganNanos : System.nanoTime();
        long duration = endNanos - attemptStartNanos;
        if (endedByGateway) {
            // Ended at shutdown: neither a success nor a failure of the upstream.
            upstream.breaker().release();
            nothingLearnt();
            return;
        }
        if (classified != null && classified.blame() != ExchangeFailure.Blame.UPSTREAM) {
            upstream.breaker().release();
            nothingLearnt();
            if (classified.blame() == ExchangeFailure.Blame.GATEWAY) {
                upstream.meter().error(classified.cause());
            }
            return;
        }
        upstream.meter().observe(duration);
        if (classified != null) {
            upstream.meter().error(classified.cause());
            upstream.breaker().onFailure(duration, failure);
            upstream.passiveHealth().onFailure(target);
            learnt(endNanos, true);
        } else if (upstream.settings().failureStatuses().contains(status)) {
            upstream.breaker().onFailure(duration, new UpstreamStatusException(status));
            upstream.passiveHealth().onFailure(target);
            learnt(endNanos, true);
        } else {
            upstream.breaker().onSuccess(duration);
            upstream.passiveHealth().onSuccess(target);
            learnt(endNanos, false);
        }
    }

    /**
     * The attempt said something about the upstream: its latency goes to the target (for
     * {@code p2c-ewma}) and to the adaptive limit, as a drop when the upstream failed.
     */
    private void learnt(long endNanos, boolean failed) {
        target.attemptEnded(endNanos - attemptStartNanos);
        if (latency != null) {
            if (failed) {
                latency.dropped(endNanos);
            } else {
                latency.answered(endNanos);
            }
        }
    }

    /** The client or the gateway ended the attempt: it leaves the target's count, and teaches nothing. */
    private void nothingLearnt() {
        target.attemptEnded(-1);
        if (latency != null) {
            latency.ignored();
        }
    }

    /**
     * A failure's message with the upstream and the last attempt's target, so that an error
     * says where it happened: the target as scheme, host and port only, never the user info or
     * base path of its URL, which may hold credentials.
     */
    String explain(String message) {
        Target last = target;
        if (last == null) {
            return message + " (upstream " + upstream.name() + ")";
        }
        URI url = last.url();
        return message + " (upstream " + upstream.name() + ", target " + url.getScheme() + "://" + url.getHost()
            + (url.getPort() > 0 ? ":" + url.getPort() : "") + ")";
    }

    /** How the last attempt failed, {@code null} when it did not (or none ended yet). */
    ExchangeFailure lastFailure() {
        return lastFailure;
    }

    /** Whether an answer with {@code status} is replaced by another attempt; takes a budget token when it says yes. */
    boolean retriesStatus(int status) {
        return retries != null && retries.retryOn().contains(status) && mayRetry();
    }

    /**
     * Whether a failed attempt is replaced by another one on another target: a connect failure
     * (the request never reached the upstream), or a connection the upstream closed or reset
     * before the attempt's response began (nginx's {@code proxy_next_upstream error}); never a
     * timeout, a client's failure or a response cut off after its head, and never without
     * another healthy target. Takes a budget token when it says yes.
     *
     * @param responseBegan whether the attempt's response head had arrived
     */
    boolean retriesFailure(Throwable failure, boolean responseBegan) {
        // Only on another target: the one that just failed to connect or dropped the connection
        // would most likely do it again, and each attempt counts against the breaker.
        if (retries == null || !anotherHealthyTarget()) {
            return false;
        }
        boolean connect = retries.retryOnConnectFailure() && ExchangeFailure.isConnectFailure(failure);
        boolean reset = retries.retryOnReset() && !responseBegan && isReset(lastFailure);
        return (connect || reset) && mayRetry();
    }

    /** Whether a healthy target other than the last attempt's is there (a short walk, on the failure path only). */
    private boolean anotherHealthyTarget() {
        for (Target candidate : upstream.balancer().targets()) {
            if (candidate != target && candidate.isHealthy()) {
                return true;
            }
        }
        return false;
    }

    private static boolean isReset(ExchangeFailure failure) {
        return failure != null && failure.blame() == ExchangeFailure.Blame.UPSTREAM && ExchangeFailure.UPSTREAM_RESET.equals(failure.cause());
    }

    /**
     * Another attempt may go out for a replayable request (an idempotent method without a body:
     * a body was streamed upstream and cannot be replayed) with attempts and time left, a client
     * still there, and a budget that pays.
     */
    private boolean mayRetry() {
        return attempts < retries.attempts() && replayable && !clientFailed && state != CLOSED && remainingMillis() > 0
            && retryBudget.tryWithdraw();
    }

    /**
     * The last attempt is retried: its cause (the failure's, or {@code upstream_status_503} for a
     * retried answer) goes to the access log, which writes every retried request.
     */
    void retrying(String cause) {
        if (exchange != null) {
            exchange.retried(cause);
        }
    }

    long startNanos() {
        return startNanos;
    }

    long deadlineNanos() {
        return deadlineNanos;
    }

    /** An attempt goes out; {@code abort} ends it early (the watchdog's last resort). */
    void sending(Consumer<Throwable> abort) {
        abortAttempt = abort;
    }

    /** The response that answers the client has begun: from here the idle timeouts bound the call. */
    void responseBegins() {
        responseBeganNanos = System.nanoTime();
        responseBegun = true;
    }

    boolean responseBegun() {
        return responseBegun;
    }

    /**
     * The response is a stream (docs/streaming.md): it flows to the client as it arrives, and
     * from here the idle timeouts alone bound it, not the deadline.
     */
    void streams() {
        streaming = true;
    }

    boolean streaming() {
        return streaming;
    }

    /**
     * When the current attempt is aborted: at the deadline, unless the response is a stream (a
     * stream's deadline bounds only its head) or the deadline passed already.
     */
    @Override
    public long getExpireNanoTime() {
        return streaming || deadlinePassed ? Long.MAX_VALUE : deadlineNanos;
    }

    /** The deadline passed with the response not a stream: aborts the current attempt (the client gets 504 while nothing was written to it). */
    void deadlinePassed() {
        deadlinePassed = true;
        // Jetty's own wording for its total timeout, which the classification reads as response_timeout.
        abortAttempt(new TimeoutException("Total timeout " + route.requestTimeoutMillis() + " ms elapsed"));
    }

    /**
     * The watchdog found the call waiting past its deadline: aborts the current attempt (the
     * client gets 504), once.
     *
     * @return {@code false} when it was aborted before and is still there
     */
    boolean abortStuck() {
        if (stuckAborted) {
            return false;
        }
        stuckAborted = true;
        abortAttempt(new DeadlineExceededException());
        return true;
    }

    private void abortAttempt(Throwable cause) {
        Consumer<Throwable> abort = abortAttempt;
        if (abort != null) {
            abort.accept(cause);
        }
    }

    /**
     * The gateway ends the stream (at the end of a shutdown's drain): aborts the current attempt,
     * whose failure then says nothing about the upstream, once.
     *
     * @return {@code false} when it was ended before
     */
    boolean endStream() {
        if (endedByGateway) {
            return false;
        }
        endedByGateway = true;
        abortAttempt(new StreamEndedException());
        return true;
    }

    /** Whether the gateway ended the stream itself ({@link #endStream()}). */
    boolean endedByGateway() {
        return endedByGateway;
    }

    /** The abort of a stream the gateway ends at shutdown. */
    static final class StreamEndedException extends Exception {
        StreamEndedException() {
            super("the gateway ended the stream at the end of its shutdown drain", null, false, false);
        }
    }

    /** The abort did not end the call: completes its exchange, which releases what it holds. */
    void forceComplete() {
        exchange.cause("response_timeout");
        exchange.complete(504);
    }

    /** The watchdog's abort: a deadline the client's own timeout did not enforce. */
    static final class DeadlineExceededException extends TimeoutException {
        DeadlineExceededException() {
            super("the exchange passed its deadline without a response");
        }
    }

    /** Whether the exchange has completed: no attempt starts any more. */
    boolean isClosed() {
        return state == CLOSED;
    }

    /** The exchange completed: returns a permit that no attempt used, and lets no attempt start. */
    @Override
    public void release() {
        inflight.remove(this);
        if (holdsPlace) {
            holdsPlace = false;
            upstream.load().leave();
        }
        if ((int) STATE.getAndSet(this, CLOSED) == HOLDING_PERMIT) {
            // The client left (or the watchdog gave up) before the attempt ended.
            upstream.breaker().release();
            nothingLearnt();
        }
    }
}
