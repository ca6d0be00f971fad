package io.nexus.gateway.proxy;

import io.nexus.gateway.auth.AuthHeaders;
import io.nexus.gateway.auth.ClientCertificates;
import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.error.GatewayError;
import io.nexus.gateway.error.GuardedFilter;
import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.exchange.Grpc;
import io.nexus.gateway.observability.Tracing;
import io.nexus.gateway.routing.Route;
import io.nexus.gateway.traffic.Mirror;
import io.nexus.gateway.upstream.Upstream;
import io.nexus.gateway.upstream.UpstreamLoad;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.channels.WritePendingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.ee10.proxy.AsyncProxyServlet;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.URIUtil;

/**
 * The gateway's one proxy servlet, built once. Jetty's {@link AsyncProxyServlet} streams both
 * bodies asynchronously and drops hop-by-hop headers (also those named in {@code Connection},
 * RFC 9110 §7.6.1); this subclass keeps only Jetty's hooks: it sends each attempt of the
 * request's {@link UpstreamCall} through that upstream's own client with the time left, adds
 * {@code X-Forwarded-*}, the request id and the identity headers, reports each attempt's outcome
 * to the call, and answers failures with the contract's JSON.
 */
public final class GatewayProxyServlet extends AsyncProxyServlet {

    static final String SERVLET_ATTRIBUTE = GatewayProxyServlet.class.getName();
    private static final Set<String> BODILESS_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "CONNECT");

    private final transient CounterDataPoint failures;
    private final long maxRequestBody;
    private final transient CounterDataPoint tooLarge;
    private final transient InflightCalls inflight;
    private final transient WebSocketProxy webSockets;

    /**
     * @param failures counts throwables caught by this servlet's own guard
     * @param maxRequestBody bytes of request body a client may stream (chunked bodies included)
     * @param tooLarge counts bodies stopped at that limit
     * @param inflight where each call is in flight, for the stuck-request watchdog
     */
    public GatewayProxyServlet(CounterDataPoint failures, long maxRequestBody, CounterDataPoint tooLarge, InflightCalls inflight) {
        this(failures, maxRequestBody, tooLarge, inflight, null);
    }

    /** @param webSockets proxies the upgrades of WebSocket routes; {@code null}: they are refused (no WebSocket support) */
    public GatewayProxyServlet(CounterDataPoint failures, long maxRequestBody, CounterDataPoint tooLarge, InflightCalls inflight,
                               WebSocketProxy webSockets) {
        this.webSockets = webSockets;
        this.failures = failures;
        this.maxRequestBody = maxRequestBody;
        this.tooLarge = tooLarge;
        this.inflight = inflight;
    }

    @Override
    protected HttpClient createHttpClient() {
        // Each upstream has its own started client; this one is never started and only lends
        // its buffer size to the request reader of AsyncProxyServlet.
        return new HttpClient();
    }

    /**
     * Opens the request's {@link UpstreamCall} and starts its first attempt, then lets Jetty's
     * template run; the exchange holds the call, so that a permit no attempt used goes back
     * whatever path the request takes.
     */
    @Override
    protected void service(HttpServletRequest clientRequest, HttpServletResponse proxyResponse) {
        try {
            Exchange exchange = Exchange.of(clientRequest);
            Route route = exchange.get(Route.KEY);
            Upstream upstream = route.upstreamFor(clientRequest);
            if (upstream != route.upstream()) {
                exchange.upstream(upstream.name());
            }
            UpstreamCall call = new UpstreamCall(exchange, route, upstream, clientRequest.getMethod(), hasContent(clientRequest), inflight);
            exchange.put(UpstreamCall.KEY, call);
            exchange.hold(call);
            UpstreamLoad.Entry entry = call.enterUpstream();
            if (entry != UpstreamLoad.Entry.ADMITTED) {
                shed(clientRequest, proxyResponse, call, entry);
                return;
            }
            if (!call.startAttempt()) {
                refuse(clientRequest, proxyResponse, call);
                return;
            }
            if (webSockets != null && call.route().settings().webSocket().enabled() && WebSocketProxy.isUpgrade(clientRequest)) {
                webSockets.proxy(clientRequest, proxyResponse, call);
                return;
            }
            super.service(clientRequest, proxyResponse);
            if (clientRequest.isAsyncStarted()) {
                clientRequest.getAsyncContext().addListener(new ClientCancellation(call));
            }
        } catch (Throwable failure) {
            GuardedFilter.recover("proxy", failures, clientRequest, proxyResponse, failure);
        }
    }

    /**
     * The upstream has no place for the request and its queue is full, or no place freed up in
     * time: 503 {@code overloaded} at once, with {@code Retry-After}. The gateway's own decision:
     * nothing reached the upstream, and nothing counts against it.
     */
    private void shed(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, UpstreamCall call, UpstreamLoad.Entry entry) {
        try {
            proxyResponse.setHeader(HttpHeader.RETRY_AFTER.asString(), "1");
            boolean full = entry == UpstreamLoad.Entry.QUEUE_FULL;
            ErrorResponses.send(clientRequest, proxyResponse, GatewayError.OVERLOADED, full ? "upstream_queue_full" : "queue_timeout",
                full ? "too many requests wait for upstream " + call.upstream().name()
                    : "no place with upstream " + call.upstream().name() + " freed up in time");
        } catch (IOException e) {
            _log.debug("Could not send overloaded", e);
        }
    }

    /** No attempt could start (the breaker is open, or no target is healthy): 503 {@code upstream_unavailable}. */
    private void refuse(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, UpstreamCall call) {
        try {
            ErrorResponses.send(clientRequest, proxyResponse, GatewayError.UPSTREAM_UNAVAILABLE, call.refusalCause(), call.refusal());
        } catch (IOException e) {
            _log.debug("Could not send upstream_unavailable", e);
        }
    }

    /** The URL of the current attempt: its target, the route's upstream path and the query to forward. */
    @Override
    protected String rewriteTarget(HttpServletRequest clientRequest) {
        Exchange exchange = Exchange.of(clientRequest);
        UpstreamCall call = exchange.get(UpstreamCall.KEY);
        return upstreamTarget(clientRequest, exchange, call.target().base());
    }

    /** {@code base} followed by the route's upstream path and the query to forward. */
    private static String upstreamTarget(HttpServletRequest clientRequest, Exchange exchange, String base) {
        String path = URIUtil.encodePath(exchange.get(Route.KEY).upstreamPath(exchange));
        String query = QueryText.encodeInvalid(AuthHeaders.forwardedQuery(clientRequest.getQueryString(), exchange.identity()));
        StringBuilder url = new StringBuilder(base.length() + path.length() + (query == null ? 0 : query.length() + 1));
        url.append(base).append(path);
        if (query != null) {
            url.append('?').append(query);
        }
        return url.toString();
    }

    @Override
    protected Request newProxyRequest(HttpServletRequest clientRequest, String rewrittenTarget) {
        // Do not copy the HTTP version: client-to-proxy and proxy-to-upstream may differ.
        return Exchange.of(clientRequest).get(UpstreamCall.KEY).upstream().client().newRequest(rewrittenTarget)
            .method(clientRequest.getMethod())
            .attribute(CLIENT_REQUEST_ATTRIBUTE, clientRequest)
            .attribute(SERVLET_ATTRIBUTE, this);
    }

    @Override
    protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
        // X-Forwarded-* and Forwarded written by the gateway, not Jetty's Via; the client's
        // own forwarding and override headers only from a trusted proxy.
        String host = requestedHost(clientRequest);
        Exchange exchange = Exchange.of(clientRequest);
        String requestId = exchange.requestId();
        Route route = exchange.get(UpstreamCall.KEY).route();
        proxyRequest.headers(headers -> {
            ForwardingHeaders.apply(clientRequest, route, host, headers);
            headers.put(Exchange.REQUEST_ID_HEADER, requestId);
            AuthHeaders.apply(exchange.identity(), headers);
            ClientCertificates.forward(clientRequest, headers);
            // The gateway's span is the upstream's parent (W3C and B3), not the client's span.
            Tracing.inject(exchange.span(), headers);
            route.traffic().onProxyRequest(headers, exchange);
        });
        if (route.mirror() != null && !hasContent(clientRequest)) {
            // Bodiless: the copy can go now, with the headers as the upstream gets them.
            Mirror.Copy copy = route.mirror().start(0);
            if (copy != null) {
                copy.send(proxyRequest.getMethod(), upstreamTarget(clientRequest, exchange, ""), proxyRequest.getHeaders());
            }
        }
        Trailers.forwardRequest(clientRequest, proxyRequest, hasContent(clientRequest));
        GrpcDeadline.forward(clientRequest, route, exchange.get(UpstreamCall.KEY), proxyRequest);
    }

    /**
     * The host the client asked for: its {@code Host} header, or for HTTP/2 and HTTP/3, which
     * carry it as the {@code :authority} pseudo-header instead, the server name and port the
     * container took from it (the port only when it is not the scheme's default).
     */
    static String requestedHost(HttpServletRequest clientRequest) {
        String host = clientRequest.getHeader(HttpHeader.HOST.asString());
        if (host != null || clientRequest.getProtocol().startsWith("HTTP/1")) {
            return host;
        }
        int port = clientRequest.getServerPort();
        boolean defaultPort = port <= 0 || port == HttpScheme.getDefaultPort(clientRequest.getScheme());
        return defaultPort ? clientRequest.getServerName() : clientRequest.getServerName() + ":" + port;
    }

    @Override
    protected void sendProxyRequest(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Request proxyRequest) {
        UpstreamCall call = Exchange.of(clientRequest).get(UpstreamCall.KEY);
        // No total timeout (service() set the servlet-wide one), which would cut a stream off
        // mid-way: the call's deadline (the route's request timeout, which retries share) bounds
        // the attempt up to its response head, and a response that is not a stream to its end.
        proxyRequest.timeout(0, TimeUnit.MILLISECONDS);
        call.sending(proxyRequest::abort);
        inflight.attemptSent(call);
        super.sendProxyRequest(clientRequest, proxyResponse, proxyRequest);
    }

    @Override
    protected boolean hasContent(HttpServletRequest clientRequest) {
        // HTTP/2 and HTTP/3 frame the body themselves: a request without Content-Length may still
        // carry one, which Jetty's default (Content-Length or Transfer-Encoding) would drop. The
        // servlet API cannot tell an ended stream from a body yet to come, so the methods that
        // conventionally have none stay bodiless rather than going upstream as an empty chunked body.
        return super.hasContent(clientRequest)
            || (clientRequest.getContentLengthLong() < 0 && !clientRequest.getProtocol().startsWith("HTTP/1")
                && !BODILESS_METHODS.contains(clientRequest.getMethod()));
    }

    @Override
    protected ReadListener newReadListener(HttpServletRequest request, HttpServletResponse response, Request proxyRequest, AsyncRequestContent content) {
        Mirror mirror = Exchange.of(request).get(Route.KEY).mirror();
        Mirror.Copy copy = mirror == null ? null : mirror.start(request.getContentLengthLong());
        return new LimitedStreamReader(request, response, proxyRequest, content, copy);
    }

    /** Raised when a streamed body passes {@code max-request-body}; the exchange fails with 413. */
    static final class BodyTooLargeException extends IOException {
        BodyTooLargeException(long limit) {
            super("request body is over " + limit + " bytes", null);
        }
    }

    /**
     * Counts the body as it streams to the upstream: a body without (or with a lying)
     * Content-Length fails the exchange with 413 at the first chunk past the limit, before
     * that chunk is sent. The upstream sees an aborted request, never a complete one.
     *
     * <p>Also blames the client, not the upstream, for a body that fails on the client's side
     * (over the limit, or unreadable because the client left or sent a broken one): Jetty
     * 12.1's {@code StreamReader.onError} only fails the upstream request's content and never
     * calls {@link #onClientRequestFailure}, so without this such an attempt ended as an
     * upstream failure, and twenty abandoned or oversize uploads opened the upstream's breaker.
     */
    private final class LimitedStreamReader extends StreamReader {
        private final HttpServletRequest request;
        private final Request proxyRequest;
        /** The route mirror's copy of this request, which gets the body too; {@code null} when not copied. */
        private final Mirror.Copy mirrorCopy;
        private long received;

        LimitedStreamReader(HttpServletRequest request, HttpServletResponse response, Request proxyRequest, AsyncRequestContent content,
                            Mirror.Copy mirrorCopy) {
            super(request, response, proxyRequest, content);
            this.request = request;
            this.proxyRequest = proxyRequest;
            this.mirrorCopy = mirrorCopy;
        }

        @Override
        public void onAllDataRead() {
            if (mirrorCopy != null) {
                mirrorCopy.send(proxyRequest.getMethod(), upstreamTarget(request, Exchange.of(request), ""), proxyRequest.getHeaders());
            }
            super.onAllDataRead();
        }

        @Override
        protected void onRequestContent(HttpServletRequest request, Request proxyRequest, AsyncRequestContent content, byte[] buffer,
                                        int offset, int length, Callback callback) {
            received += length;
            if (mirrorCopy != null) {
                mirrorCopy.append(buffer, offset, length);
            }
            if (received > maxRequestBody) {
                if (tooLarge != null) {
                    tooLarge.inc();
                }
                // Before the failure aborts the attempt, so that its outcome already knows.
                blameClient(request);
                callback.failed(new BodyTooLargeException(maxRequestBody));
                return;
            }
            super.onRequestContent(request, proxyRequest, content, buffer, offset, length, callback);
        }

        /** Reads and relays what the client sent; a read that throws is the client's body failing (it left, or sent a broken one). */
        @Override
        protected Action process() throws Exception {
            try {
                return super.process();
            } catch (Throwable failure) {
                blameClient(request);
                abandonMirror();
                throw failure;
            }
        }

        /** From the container: the client's body could not be read. */
        @Override
        public void onError(Throwable failure) {
            blameClient(request);
            abandonMirror();
            super.onError(failure);
        }

        private void abandonMirror() {
            if (mirrorCopy != null) {
                mirrorCopy.abandon();
            }
        }

        /**
         * From the iteration: a read failed (blamed in {@link #process}), the body went over the
         * limit (blamed where that is found), or a write to the upstream failed, which is the
         * upstream's failure. Jetty's version only calls {@link #onError}; this one skips the
         * override above, so as not to blame the client for the upstream.
         */
        @Override
        protected void onFailure(Throwable cause) {
            abandonMirror();
            super.onError(cause);
        }
    }

    /**
     * Relays one piece of the upstream's response content to the client, as Jetty's version does,
     * through the gateway's own {@link ClientStreamWriter}: one per response, set as the output's
     * write listener with the first piece (the data is handed over first, because setting the
     * listener may call {@code onWritePossible()} on another thread at once).
     */
    @Override
    protected void onResponseContent(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse,
                                     byte[] buffer, int offset, int length, Callback callback) {
        try {
            Exchange exchange = Exchange.of(clientRequest);
            ClientStreamWriter writer = exchange.get(ClientStreamWriter.KEY);
            if (writer == null) {
                UpstreamCall call = exchange.get(UpstreamCall.KEY);
                writer = new ClientStreamWriter(clientRequest, serverResponse, exchange, call.streaming());
                exchange.put(ClientStreamWriter.KEY, writer);
                writer.data(buffer, offset, length, callback);
                proxyResponse.getOutputStream().setWriteListener(writer);
            } else if (writer.data(buffer, offset, length, callback)) {
                writer.onWritePossible();
            }
        } catch (Throwable failure) {
            callback.failed(failure);
            serverResponse.abort(failure);
        }
    }

    /**
     * Writes the upstream's response to the client, and blames the client when that fails (it
     * left, or stalled past the idle timeout, mid-response): Jetty aborts the upstream exchange
     * with the write's failure, which would otherwise count as the upstream's.
     *
     * <p>A stream ({@link UpstreamCall#streaming()}) is flushed after every piece: the Jetty client
     * hands over each piece it parsed from the upstream as soon as it has it, so what arrived
     * reaches the client at once instead of when the servlet response's aggregation buffer fills
     * or the response ends. Any other response is written as Jetty does, into that buffer. No
     * lock: the next piece is asked for only when this one is written, so {@link #data} and
     * {@link #onWritePossible} never overlap.
     *
     * <p>A declared stream's head is flushed before any content ({@link #sendHead}); the one
     * race, a first piece arriving while that flush is pending, is settled by a compare-and-set
     * on {@link #state}: whichever of {@link #data} and the end of the flush comes second
     * writes the piece.
     */
    private final class ClientStreamWriter implements WriteListener {
        static final Exchange.Key<ClientStreamWriter> KEY = Exchange.Key.of("client-stream-writer");
        private static final AtomicReferenceFieldUpdater<ClientStreamWriter, WriteState> STATE =
            AtomicReferenceFieldUpdater.newUpdater(ClientStreamWriter.class, WriteState.class, "state");

        private final HttpServletRequest request;
        private final Response serverResponse;
        private final Exchange exchange;
        private final boolean flush;
        private volatile WriteState state = WriteState.IDLE;
        private boolean headFlushStarted;
        private byte[] buffer;
        private int offset;
        private int length;
        private Callback callback;

        ClientStreamWriter(HttpServletRequest request, Response serverResponse, Exchange exchange, boolean flush) {
            this.request = request;
            this.serverResponse = serverResponse;
            this.exchange = exchange;
            this.flush = flush;
        }

        /** Commits the response and flushes its head, ahead of any content. */
        void sendHead(HttpServletResponse proxyResponse) throws IOException {
            state = WriteState.HEAD;
            proxyResponse.getOutputStream().setWriteListener(this);
        }

        /**
         * Hands over the next piece.
         *
         * @return whether the caller writes it now with {@link #onWritePossible}; {@code false}
         *     when the head is still being flushed, whose end writes it
         */
        boolean data(byte[] bytes, int offset, int length, Callback callback) {
            this.buffer = bytes;
            this.offset = offset;
            this.length = length;
            this.callback = callback;
            if (STATE.compareAndSet(this, WriteState.IDLE, WriteState.READY)) {
                return true;
            }
            if (STATE.compareAndSet(this, WriteState.HEAD, WriteState.HEAD_THEN_DATA)) {
                return false;
            }
            throw new WritePendingException();
        }

        @Override
        public void onWritePossible() throws IOException {
            try {
                ServletOutputStream output = request.getAsyncContext().getResponse().getOutputStream();
                switch (state) {
                    case READY -> {
                        output.write(buffer, offset, length);
                        exchange.bytesSent(length);
                        state = WriteState.WRITING;
                        if (output.isReady()) {
                            written(output);
                        }
                    }
                    case WRITING -> written(output);
                    case FLUSHING -> complete();
                    case HEAD, HEAD_THEN_DATA -> head(output);
                    case IDLE -> throw new IllegalStateException("no content to write");
                }
            } catch (IOException | RuntimeException failure) {
                blameClient(request);
                throw failure;
            }
        }

        /** Flushes the head, unless a piece is already there to carry it; then writes that piece, if any. */
        private void head(ServletOutputStream output) throws IOException {
            if (!headFlushStarted && state == WriteState.HEAD) {
                headFlushStarted = true;
                output.flush();
                if (!output.isReady()) {
                    return;
                }
            }
            if (STATE.compareAndSet(this, WriteState.HEAD, WriteState.IDLE)) {
                return;
            }
            // A piece arrived meanwhile (HEAD_THEN_DATA): this thread writes it.
            state = WriteState.READY;
            onWritePossible();
        }

        /** The write is done: a stream flushes it out now, anything else is complete. */
        private void written(ServletOutputStream output) throws IOException {
            if (!flush) {
                complete();
                return;
            }
            state = WriteState.FLUSHING;
            output.flush();
            if (output.isReady()) {
                complete();
            }
        }

        private void complete() {
            Callback done = callback;
            buffer = null;
            callback = null;
            // Reset before the callback: it asks for the next piece, which may arrive re-entrantly.
            state = WriteState.IDLE;
            done.succeeded();
        }

        @Override
        public void onError(Throwable failure) {
            blameClient(request);
            serverResponse.abort(failure);
        }
    }

    /** Where a {@link ClientStreamWriter} is with its piece of content. */
    private enum WriteState {
        /** A declared stream's head is being flushed. */
        HEAD,
        /** The head is being flushed, and the first piece waits for it. */
        HEAD_THEN_DATA,
        /** Nothing to write; the next piece may come. */
        IDLE,
        /** A piece waits to be written. */
        READY,
        /** The piece is being written. */
        WRITING,
        /** The piece is written and being flushed (streams only). */
        FLUSHING
    }

    /** The client's side failed: the current attempt's outcome says nothing about the upstream. */
    private static void blameClient(HttpServletRequest clientRequest) {
        Exchange exchange = Exchange.of(clientRequest);
        UpstreamCall call = exchange == null ? null : exchange.get(UpstreamCall.KEY);
        if (call != null) {
            call.clientFailed();
        }
    }

    @Override
    protected void onServerResponseHeaders(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse) {
        Exchange exchange = Exchange.of(clientRequest);
        UpstreamCall call = exchange.get(UpstreamCall.KEY);
        Streams.Kind kind = Streams.of(call.route().settings().responseBuffering(), serverResponse.getHeaders());
        if (kind != Streams.Kind.BUFFERED) {
            call.streams();
        }
        // Jetty's version re-parses every value as a quoted list and joins it again: that
        // allocates a set, lists and strings per header, and strips the quotes of an ETag
        // (RFC 9110 §8.8.3 needs them). Values pass here as the upstream sent them.
        HttpFields headers = serverResponse.getHeaders();
        for (int i = 0; i < headers.size(); i++) {
            HttpField field = headers.getField(i);
            if (HOP_HEADERS.contains(field.getLowerCaseName())) {
                continue;
            }
            HttpField forwarded = filterServerResponseHeader(clientRequest, serverResponse, field);
            if (forwarded == null || forwarded.getValue() == null) {
                continue;
            }
            // The first line of a name replaces what the container set (Server, Date); the
            // next ones add to it, so that repeated headers (Set-Cookie) all arrive.
            if (firstOfItsName(headers, i)) {
                proxyResponse.setHeader(forwarded.getName(), forwarded.getValue());
            } else {
                proxyResponse.addHeader(forwarded.getName(), forwarded.getValue());
            }
        }
        call.route().traffic().onUpstreamResponse(clientRequest, proxyResponse, exchange);
        Trailers.forwardResponse(clientRequest, proxyResponse, serverResponse, Grpc.isCall(clientRequest));
        if (kind == Streams.Kind.DECLARED && !Trailers.trailersOnly(serverResponse)) {
            ClientStreamWriter writer = new ClientStreamWriter(clientRequest, serverResponse, exchange, true);
            exchange.put(ClientStreamWriter.KEY, writer);
            try {
                writer.sendHead(proxyResponse);
            } catch (IOException | RuntimeException failure) {
                serverResponse.abort(failure);
            }
        }
    }

    private static boolean firstOfItsName(HttpFields headers, int index) {
        HttpField field = headers.getField(index);
        for (int i = 0; i < index; i++) {
            if (headers.getField(i).isSameName(field)) {
                return false;
            }
        }
        return true;
    }

    @Override
    protected HttpField filterServerResponseHeader(HttpServletRequest clientRequest, Response serverResponse, HttpField field) {
        // The response keeps the gateway's request id, never an upstream's; X-Accel-Buffering is
        // addressed to the proxy (Streams), not the client.
        if (field.is(Exchange.REQUEST_ID_HEADER) || field.is(Streams.ACCEL_BUFFERING)) {
            return null;
        }
        if (UpstreamBanners.isBanner(field) && !Exchange.of(clientRequest).get(UpstreamCall.KEY).route().settings().keepUpstreamServerHeader()) {
            return null;
        }
        // Headers the upstream named in Connection are hop-by-hop too (RFC 9110 §7.6.1).
        HttpField connection = serverResponse.getHeaders().getField(HttpHeader.CONNECTION);
        if (connection != null && connection.contains(field.getLowerCaseName())) {
            return null;
        }
        return field;
    }

    @Override
    protected void onClientRequestFailure(HttpServletRequest clientRequest, Request proxyRequest, HttpServletResponse proxyResponse, Throwable failure) {
        // Jetty calls this only when the body could not be set up (or relayed after a 100
        // Continue); a body failing while it streams goes through LimitedStreamReader instead.
        blameClient(clientRequest);
        super.onClientRequestFailure(clientRequest, proxyRequest, proxyResponse, failure);
    }

    @Override
    protected Response.Listener newProxyResponseListener(HttpServletRequest clientRequest, HttpServletResponse proxyResponse) {
        return new AttemptListener(clientRequest, proxyResponse, Exchange.of(clientRequest).get(UpstreamCall.KEY));
    }

    /**
     * Follows one attempt: reports its outcome to the call, and replaces an answer the call
     * retries (a listed 5xx status, a connect failure, or a connection closed or reset before the
     * response head) by another attempt, before anything of it reaches the client.
     */
    private final class AttemptListener extends ProxyResponseListener {
        private final HttpServletRequest clientRequest;
        private final HttpServletResponse proxyResponse;
        private final UpstreamCall call;
        private boolean retrying;
        /** Whether this attempt's response head arrived: from there a failure is never retried. */
        private boolean began;

        AttemptListener(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, UpstreamCall call) {
            super(clientRequest, proxyResponse);
            this.clientRequest = clientRequest;
            this.proxyResponse = proxyResponse;
            this.call = call;
        }

        @Override
        public void onBegin(Response serverResponse) {
            began = true;
            if (call.retriesStatus(serverResponse.getStatus())) {
                retrying = true;
                call.retrying("upstream_status_" + serverResponse.getStatus());
                return;
            }
            call.responseBegins();
            super.onBegin(serverResponse);
        }

        @Override
        public void onHeaders(Response serverResponse) {
            if (!retrying) {
                super.onHeaders(serverResponse);
            }
        }

        @Override
        public void onContent(Response serverResponse, Content.Chunk chunk, Runnable demander) {
            if (retrying) {
                // This answer is replaced by a retry: drain it, never forward it.
                demander.run();
                return;
            }
            super.onContent(serverResponse, chunk, demander);
        }

        @Override
        public void onComplete(Result result) {
            call.attemptEnded(result.getResponse() == null ? 0 : result.getResponse().getStatus(), result.getFailure());
            if (call.isClosed()) {
                // The exchange completed first: the client is gone and the request recycled.
                super.onComplete(result);
                return;
            }
            if (retrying) {
                retry(clientRequest, proxyResponse, call, result.getRequest());
                return;
            }
            if (result.isFailed() && !proxyResponse.isCommitted() && call.retriesFailure(result.getFailure(), began)) {
                call.retrying(call.lastFailure().cause());
                retry(clientRequest, proxyResponse, call, result.getRequest());
                return;
            }
            super.onComplete(result);
        }
    }

    /**
     * Sends the next attempt of a call whose async cycle is running: the previous attempt's
     * request (method, headers as sent, attributes) to the newly picked target, through Jetty's
     * {@link Request} API. Only replayable requests retry, so there is no body to send again.
     * Not Jetty's {@code HttpRequest.copy}: the copy stays in the old request's conversation,
     * whose first response listener would hear the new attempt too, and it drops the client's
     * {@code Cookie} and {@code Authorization}.
     */
    private void retry(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, UpstreamCall call, Request previous) {
        try {
            if (!call.startAttempt()) {
                refuse(clientRequest, proxyResponse, call);
                clientRequest.getAsyncContext().complete();
                return;
            }
            Request next = call.upstream().client().newRequest(rewriteTarget(clientRequest)).method(previous.getMethod());
            // Host is the one header the client derived from the old target; it sets it anew.
            next.headers(headers -> headers.add(previous.getHeaders()).remove(HttpHeader.HOST));
            previous.getAttributes().forEach(next::attribute);
            sendProxyRequest(clientRequest, proxyResponse, next);
        } catch (Throwable failure) {
            GuardedFilter.recover("proxy", failures, clientRequest, proxyResponse, failure);
        }
    }

    /**
     * The attempt failed and will not be retried: answers as its classification says (the
     * contract's error with its cause, or an aborted response once committed), and records a
     * client that went away as 499.
     */
    @Override
    protected void onProxyResponseFailure(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Response serverResponse,
                                          Throwable failure) {
        Exchange exchange = Exchange.of(clientRequest);
        UpstreamCall call = exchange.get(UpstreamCall.KEY);
        if (call.endedByGateway() && proxyResponse.isCommitted() && clientRequest.isAsyncStarted()) {
            // A stream ended at shutdown: completing the response ends it cleanly for the client
            // (the last chunk, or END_STREAM), where an abort would look like a failure.
            clientRequest.getAsyncContext().complete();
            return;
        }
        ExchangeFailure classified = call.lastFailure() != null ? call.lastFailure() : ExchangeFailure.classify(failure, false);
        if (classified.blame() == ExchangeFailure.Blame.GATEWAY && classified.error() == GatewayError.BAD_GATEWAY) {
            // Not a failure of the client or the upstream that the classification knows: say what it was.
            _log.warn("Proxying to upstream {} failed; request_id={}", call.upstream().name(), exchange.requestId(), failure);
        }
        if (classified.cause().startsWith(UpstreamTlsFailure.CAUSE_PREFIX)) {
            // Says which check failed: the setting to look at (upstreams.NAME.tls).
            _log.warn("TLS to upstream {} failed, cause={}: {}; request_id={}", call.upstream().name(), classified.cause(),
                classified.message(), exchange.requestId());
        }
        if (classified.clientGone()) {
            exchange.clientGone(classified.cause());
        } else {
            exchange.cause(classified.cause());
        }
        try {
            if (proxyResponse.isCommitted() || (expects100Continue(clientRequest) && serverResponse != null && serverResponse.getStatus() >= 200)) {
                // Committed: too late for an error body, Jetty aborts the response. After an
                // Expect: 100-continue the upstream's own final status is the answer, as in Jetty.
                super.onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure);
                return;
            }
            ErrorResponses.send(clientRequest, proxyResponse, classified.error(), classified.cause(), call.explain(classified.message()));
            if (clientRequest.isAsyncStarted()) {
                clientRequest.getAsyncContext().complete();
            }
        } catch (IOException | RuntimeException e) {
            _log.debug("Could not send {}", classified.error(), e);
        } finally {
            if (classified.clientGone()) {
                // After a failed write, Jetty completes the async cycle only at the connection's
                // idle timeout; the exchange lets go of its permits now.
                exchange.complete(Exchange.CLIENT_CLOSED_REQUEST);
            }
        }
    }

    @Override
    protected void sendProxyResponseError(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, int status) {
        if (proxyResponse.isCommitted()) {
            // Too late for an error body: Jetty aborts the response so the client sees a failure.
            super.sendProxyResponseError(clientRequest, proxyResponse, status);
            return;
        }
        // Only Jetty's own paths come here (an upstream's final status instead of 100 Continue);
        // failed attempts are answered by onProxyResponseFailure.
        GatewayError error = switch (status) {
            case 504 -> GatewayError.GATEWAY_TIMEOUT;
            case 413 -> GatewayError.PAYLOAD_TOO_LARGE;
            default -> status >= 400 && status < 500 ? GatewayError.BAD_REQUEST : GatewayError.BAD_GATEWAY;
        };
        String cause = error == GatewayError.BAD_GATEWAY || error == GatewayError.GATEWAY_TIMEOUT ? "upstream_failed" : "upstream_refused_body";
        String message = "the upstream answered " + status + " before the request body was sent";
        try {
            ErrorResponses.send(clientRequest, proxyResponse, error, cause, message);
        } catch (IOException e) {
            _log.debug("Could not send {}", error, e);
        } finally {
            if (clientRequest.isAsyncStarted()) {
                clientRequest.getAsyncContext().complete();
            }
        }
    }

    /**
     * An upstream's {@code 103 Early Hints}: relayed to the client with its {@code Link} fields,
     * unless the route drops them or the final response has begun.
     */
    void earlyHints(Request proxyRequest, HttpFields fields) {
        HttpServletRequest clientRequest = (HttpServletRequest) proxyRequest.getAttributes().get(CLIENT_REQUEST_ATTRIBUTE);
        Exchange exchange = clientRequest == null ? null : Exchange.of(clientRequest);
        UpstreamCall call = exchange == null ? null : exchange.get(UpstreamCall.KEY);
        if (call == null || call.isClosed() || !call.route().settings().forwardEarlyHints() || !clientRequest.isAsyncStarted()) {
            return;
        }
        List<String[]> links = new ArrayList<>(2);
        for (HttpField field : fields) {
            if (field.is(HttpHeader.LINK.asString())) {
                links.add(new String[] {field.getName(), field.getValue()});
            }
        }
        if (!links.isEmpty()) {
            InterimResponses.write(clientRequest.getAsyncContext().getResponse(), HttpStatus.EARLY_HINTS_103, links);
        }
    }

    /** The action that lets the client's body flow once the upstream said {@code 100 Continue}. */
    Runnable continueAction(Request proxyRequest) {
        HttpServletRequest clientRequest = (HttpServletRequest) proxyRequest.getAttributes().get(CLIENT_REQUEST_ATTRIBUTE);
        return onContinue(clientRequest, proxyRequest);
    }
}
