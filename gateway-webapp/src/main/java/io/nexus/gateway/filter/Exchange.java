package io.nexus.gateway.filter;

import io.nexus.gateway.lifecycle.AdmissionControl;
import io.nexus.gateway.lifecycle.GatewaySnapshot;
import io.nexus.gateway.observability.AccessLog;
import io.nexus.gateway.observability.GatewayMetrics;
import io.nexus.gateway.observability.RouteMeter;
import io.nexus.gateway.observability.Tracing;
import io.nexus.gateway.routing.Route;
import io.nexus.gateway.upstream.Target;
import io.opentelemetry.api.trace.Span;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The gateway's state for one request, the only per-request object of the chain. It completes
 * exactly once, when the response is done (synchronously, or on the async context's
 * completion): then the permit goes back and the request is counted.
 */
public final class Exchange implements AsyncListener {

    private static final String ATTRIBUTE = Exchange.class.getName();
    private static final VarHandle COMPLETED;

    static {
        try {
            COMPLETED = MethodHandles.lookup().findVarHandle(Exchange.class, "completed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long startNanos;
    private final String method;
    private final RouteMeter unmatched;
    private final AccessLog accessLog;
    private final String clientAddress;
    private final String requestUri;
    private final Span span;
    private String requestId;
    private String path;
    private Route route;
    private GatewaySnapshot snapshot;
    private AdmissionControl admission;
    private long upstreamStartNanos;
    private Target target;
    private int attempts;
    private long deadlineNanos;
    private String refusal;
    private volatile boolean clientFailed;
    @SuppressWarnings("unused") // written through COMPLETED
    private volatile int completed;

    Exchange(HttpServletRequest request, GatewayMetrics metrics) {
        this.startNanos = System.nanoTime();
        this.method = request.getMethod();
        this.unmatched = metrics.unmatched();
        this.accessLog = metrics.accessLog();
        this.clientAddress = request.getRemoteAddr();
        this.requestUri = request.getRequestURI();
        this.span = metrics.tracing().startSpan(request);
    }

    /** The exchange of a request that passed the exchange filter, else {@code null}. */
    public static Exchange of(ServletRequest request) {
        return (Exchange) request.getAttribute(ATTRIBUTE);
    }

    void attachTo(ServletRequest request) {
        request.setAttribute(ATTRIBUTE, this);
    }

    public String requestId() {
        return requestId;
    }

    void requestId(String requestId) {
        this.requestId = requestId;
    }

    /** The decoded, normalized request path the route was matched on. */
    public String path() {
        return path;
    }

    public Route route() {
        return route;
    }

    /** The gateway's span of this request; invalid (not recording) when tracing is off. */
    public Span span() {
        return span;
    }

    void route(Route route, String path) {
        this.route = route;
        this.path = path;
    }

    /** Holds the snapshot the request runs on; completion releases it. */
    void snapshot(GatewaySnapshot snapshot) {
        this.snapshot = snapshot;
    }

    /** Holds a permit that completion gives back. */
    void admitted(AdmissionControl admission) {
        this.admission = admission;
    }

    /** A new attempt goes to {@code target}: the first, or a retry. */
    public void attemptStarted(Target target) {
        this.target = target;
        this.attempts++;
        this.upstreamStartNanos = System.nanoTime();
    }

    /** The target of the current (or last) attempt. */
    public Target target() {
        return target;
    }

    /** Attempts started so far. */
    public int attempts() {
        return attempts;
    }

    /** Sets the deadline of the whole exchange, retries included. */
    public void deadline(long nanoTime) {
        this.deadlineNanos = nanoTime;
    }

    /** Milliseconds left until the deadline; at least 1 while time is left, else 0. */
    public long remainingMillis() {
        long left = deadlineNanos - System.nanoTime();
        return left <= 0 ? 0 : Math.max(1, left / 1_000_000);
    }

    /** Why no upstream call was made (breaker open, no healthy target), for the error message. */
    public void refuse(String reason) {
        this.refusal = reason;
    }

    public String refusal() {
        return refusal;
    }

    /** The client's side failed (left, or sent a broken body): not the upstream's fault. */
    public void clientFailed() {
        clientFailed = true;
    }

    public boolean isClientFailed() {
        return clientFailed;
    }

    /**
     * Observes the current attempt's duration in the upstream latency histogram.
     *
     * @return the attempt's duration in nanoseconds
     */
    public long upstreamFinished() {
        long duration = System.nanoTime() - upstreamStartNanos;
        if (upstreamStartNanos != 0 && route != null) {
            route.upstream().latency().observe(duration / 1e9);
        }
        return duration;
    }

    /** Completes the exchange once: gives the permit and the snapshot back and counts the request. */
    void complete(int status) {
        if (!COMPLETED.compareAndSet(this, 0, 1)) {
            return;
        }
        if (admission != null) {
            admission.release();
        }
        if (snapshot != null) {
            snapshot.release();
        }
        RouteMeter meter = route != null ? route.meter() : unmatched;
        long durationNanos = System.nanoTime() - startNanos;
        meter.record(method, status, durationNanos, span);
        Tracing.endSpan(span, requestId, meter.route(), route == null ? null : route.upstream().name(), status);
        accessLog.record(snapshot == null ? null : snapshot.config().observability().accessLog(), requestId, Tracing.traceId(span), method,
            path != null ? path : requestUri, meter.route(), route == null ? null : route.upstream().name(), clientAddress,
            status, durationNanos);
    }

    @Override
    public void onComplete(AsyncEvent event) {
        complete(((HttpServletResponse) event.getSuppliedResponse()).getStatus());
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        // The proxy disables the async timeout; completion follows via onComplete.
    }

    @Override
    public void onError(AsyncEvent event) {
        // An error dispatch ends in onComplete as well.
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        event.getAsyncContext().addListener(this);
    }
}
