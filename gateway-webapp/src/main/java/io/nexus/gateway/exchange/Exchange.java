package io.nexus.gateway.exchange;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's state for one request, the only per-request object of the chain. Stages above
 * this package keep their own per-request values in typed {@link Key attributes}, so that the
 * exchange knows none of their types. It completes exactly once, when the response is done
 * (synchronously, or on the async context's completion): then what the request holds is released
 * and the request is recorded.
 */
public final class Exchange implements AsyncListener {

    /** The header that carries the request id, both ways. */
    public static final String REQUEST_ID_HEADER = "X-Request-Id";

    /**
     * The status recorded for a request whose client went away before its answer (nginx's "client
     * closed request"): nothing reached the client, whatever status the response held.
     */
    public static final int CLIENT_CLOSED_REQUEST = 499;

    private static final String ATTRIBUTE = Exchange.class.getName();
    private static final int MAX_LEASES = 4;
    private static final VarHandle COMPLETED;

    static {
        try {
            COMPLETED = MethodHandles.lookup().findVarHandle(Exchange.class, "completed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Records a completed exchange: metrics, the span's end, the access log. */
    @FunctionalInterface
    public interface Recorder {
        void record(Exchange exchange, int status, long durationNanos);
    }

    /** Something a request holds until it completes (a snapshot, a backpressure permit). */
    @FunctionalInterface
    public interface Lease {
        void release();
    }

    /**
     * A typed per-request attribute of a stage above this package. Keys are constants: each
     * takes one slot of every exchange, so a lookup is an array read, not a map lookup.
     */
    public static final class Key<T> {
        private static final AtomicInteger NEXT = new AtomicInteger();
        /** Slots every exchange has; the gateway defines a handful of keys. */
        static final int SLOTS = 8;

        private final String name;
        private final int index;

        private Key(String name) {
            this.name = name;
            this.index = NEXT.getAndIncrement();
            if (index >= SLOTS) {
                throw new IllegalStateException("more than " + SLOTS + " exchange keys; raise Exchange.Key.SLOTS for " + name);
            }
        }

        public static <T> Key<T> of(String name) {
            return new Key<>(name);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final long startNanos;
    private long deadlineNanos = Long.MAX_VALUE;
    private final String method;
    private final String clientAddress;
    private final String requestUri;
    private final Span span;
    private final Object[] values = new Object[Key.SLOTS];
    private final Lease[] leases = new Lease[MAX_LEASES];
    private int leaseCount;
    /** The cause of a request whose client closed its connection or stream before the answer. */
    public static final String CLIENT_CLOSED = "client_closed";

    private Recorder recorder;
    private String requestId;
    private String path;
    private String routeName;
    private String upstreamName;
    private Identity identity;
    private String cause;
    // Set by the proxy's or the container's thread, read by the completing one.
    private volatile boolean clientGone;
    // Written by whichever thread writes the response at the time, one at a time; read at completion.
    private volatile long bytesSent;
    @SuppressWarnings("unused") // written through COMPLETED
    private volatile int completed;
    /** The status recorded instead of the response's, when the answer's own differs (a gRPC refusal is HTTP 200); 0: none. */
    private volatile int recordedStatus;
    // Written by the thread of each attempt in turn, read at completion.
    private volatile int attempts;
    private volatile String retryCause;

    private Exchange(HttpServletRequest request, Span span, Recorder recorder) {
        this.startNanos = System.nanoTime();
        this.method = request.getMethod();
        this.clientAddress = request.getRemoteAddr();
        this.requestUri = request.getRequestURI();
        this.span = span;
        this.recorder = recorder;
    }

    /**
     * Opens the exchange of a request and attaches it to the request.
     *
     * @param recorder records the request unless routing names a route's recorder instead
     */
    public static Exchange open(HttpServletRequest request, Span span, Recorder recorder) {
        Exchange exchange = new Exchange(request, span, recorder);
        request.setAttribute(ATTRIBUTE, exchange);
        return exchange;
    }

    /** The exchange of a request that passed the exchange filter, else {@code null}. */
    public static Exchange of(ServletRequest request) {
        return (Exchange) request.getAttribute(ATTRIBUTE);
    }

    /** The request id of a request's exchange, {@code null} before one is known. */
    public static String requestIdOf(ServletRequest request) {
        Exchange exchange = of(request);
        return exchange == null ? null : exchange.requestId;
    }

    public String method() {
        return method;
    }

    public String clientAddress() {
        return clientAddress;
    }

    public String requestId() {
        return requestId;
    }

    /**
     * Sets the deadline of the whole exchange, {@code timeoutMillis} after the request arrived:
     * what runs before the proxy (a fault delay, an admission queue) spends the same time as
     * the upstream attempts.
     */
    public void deadlineAfter(long timeoutMillis) {
        this.deadlineNanos = startNanos + timeoutMillis * 1_000_000;
    }

    /** The exchange's deadline in {@link System#nanoTime()} terms; far away until routing set it. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    public void requestId(String requestId) {
        this.requestId = requestId;
    }

    /** The decoded, normalized request path the route was matched on; the request URI before routing. */
    public String path() {
        return path != null ? path : requestUri;
    }

    /** The matched route's name, {@code null} before routing or when nothing matched. */
    public String routeName() {
        return routeName;
    }

    /** The matched route's upstream name, {@code null} without a route. */
    public String upstreamName() {
        return upstreamName;
    }

    /** The upstream the request goes to, when it is not the route's own (a side of a split). */
    public void upstream(String upstreamName) {
        this.upstreamName = upstreamName;
    }

    /** Routing matched: names for logs and traces, and the route's recorder. */
    public void routed(String routeName, String upstreamName, String path, Recorder recorder) {
        this.routeName = routeName;
        this.upstreamName = upstreamName;
        this.path = path;
        this.recorder = recorder;
    }

    /** Records with {@code recorder} instead (the unmatched recorder of the snapshot routing used). */
    public void recordWith(Recorder recorder) {
        this.recorder = recorder;
    }

    /** The gateway's span of this request; invalid (not recording) when tracing is off. */
    public Span span() {
        return span;
    }

    /** The trace id for logs, {@code null} without a valid span. */
    public String traceId() {
        SpanContext context = span.getSpanContext();
        return context.isValid() ? context.getTraceId() : null;
    }

    /** The authenticated identity, {@code null} before authentication or on a route without it. */
    public Identity identity() {
        return identity;
    }

    public void identity(Identity identity) {
        this.identity = identity;
    }

    /** The contract's {@code cause} of the error the gateway answered, {@code null} when it answered none. */
    public String cause() {
        return cause;
    }

    /** The gateway answered an error: its stable cause, for the access log. */
    public void cause(String cause) {
        this.cause = cause;
    }

    /**
     * The client went away (or stalled past a timeout) before its answer: the request is recorded
     * as {@value #CLIENT_CLOSED_REQUEST} with {@code cause}, whatever status the response held.
     */
    public void clientGone(String cause) {
        this.cause = cause;
        this.clientGone = true;
    }

    /** Body bytes written to the client so far (the access log's {@code bytes}). */
    public long bytesSent() {
        return bytesSent;
    }

    /** {@code bytes} more of the response body went to the client. */
    @SuppressWarnings("NonAtomicOperationOnVolatileField") // one writer at a time
    public void bytesSent(long bytes) {
        bytesSent += bytes;
    }

    /** An attempt goes upstream (the access log's {@code attempts}). */
    @SuppressWarnings("NonAtomicOperationOnVolatileField") // attempts go out one after another
    public void attemptStarted() {
        attempts++;
    }

    /** Attempts sent upstream for this request; 0 when none went out. */
    public int attempts() {
        return attempts;
    }

    /** The last failed attempt is retried: its {@code cause}, for the access log's {@code retry_cause}. */
    public void retried(String cause) {
        this.retryCause = cause;
    }

    /** Why the last retried attempt failed, {@code null} when the request was not retried. */
    public String retryCause() {
        return retryCause;
    }

    /** Whether the client went away before its answer. */
    public boolean isClientGone() {
        return clientGone;
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Key<T> key) {
        return (T) values[key.index];
    }

    public <T> void put(Key<T> key, T value) {
        values[key.index] = value;
    }

    /** Holds {@code lease} until completion, which releases leases in reverse order. */
    public void hold(Lease lease) {
        if (leaseCount == MAX_LEASES) {
            throw new IllegalStateException("an exchange holds at most " + MAX_LEASES + " leases");
        }
        leases[leaseCount++] = lease;
    }

    /**
     * The gateway's decision was {@code status}, though the answer says otherwise on the wire (a
     * gRPC refusal is HTTP 200 with a {@code grpc-status}): metrics and the access log record it.
     */
    public void recordAs(int status) {
        this.recordedStatus = status;
    }

    /** Completes the exchange once: records the request, then releases what it holds. */
    public void complete(int status) {
        if (!COMPLETED.compareAndSet(this, 0, 1)) {
            return;
        }
        // Recorded before the leases go: whoever sees the permit back also sees the request counted.
        try {
            int recorded = recordedStatus != 0 ? recordedStatus : status;
            recorder.record(this, clientGone ? CLIENT_CLOSED_REQUEST : recorded, System.nanoTime() - startNanos);
        } finally {
            for (int i = leaseCount - 1; i >= 0; i--) {
                leases[i].release();
            }
        }
    }

    @Override
    public void onComplete(AsyncEvent event) {
        complete(((HttpServletResponse) event.getSuppliedResponse()).getStatus());
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        // The proxy disables the async timeout; completion follows via onComplete.
    }

    /**
     * An I/O failure of the client's own connection or stream (an HTTP/2 client's RST_STREAM, a
     * closed socket) can complete the exchange before the proxy has classified its failed
     * attempt: it is the client that went away, whatever error status the container then puts
     * in the response. Other errors end in onComplete with their status.
     */
    @Override
    public void onError(AsyncEvent event) {
        if (event.getThrowable() instanceof IOException && !clientGone) {
            clientGone(cause != null ? cause : CLIENT_CLOSED);
        }
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        event.getAsyncContext().addListener(this);
    }
}
