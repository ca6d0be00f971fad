package io.nexus.launcher;

import io.nexus.gateway.lifecycle.BuiltInMiddlewares;
import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.TlsSettings;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.reload.ConfigPlane;
import io.nexus.gateway.reload.InitialConfig;
import io.nexus.gateway.reload.LastKnownGood;
import io.nexus.gateway.upstream.Target;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * The real embedded gateway on ephemeral loopback ports, plus Jetty clients (HTTP/1.1, and
 * HTTP/2 when the gateway terminates TLS) with a timeout on every request. Tests get one from
 * {@link GatewayExtension}; this class is where they reach into the gateway's main classes, so
 * that those references live in one place.
 */
final class TestGateway implements AutoCloseable {

    /** Loopback, ports 0 and no drain delay: put first, so that the test's text may override it. */
    static final String BASE = """
        nexus {
          server { host = "127.0.0.1", port = 0, shutdown { drain-delay = 0s, timeout = 5s } }
          admin { host = "127.0.0.1", port = 0 }
        }
        """;
    static final int MAX_BODY = 16 << 20;

    private final EmbeddedGateway gateway;
    private final MiddlewareRegistry middlewares;
    private final List<HttpClient> clients = new ArrayList<>();
    private final GatewayClient http1;
    private final GatewayClient http2;
    private boolean closed;

    private TestGateway(EmbeddedGateway gateway, MiddlewareRegistry middlewares) throws Exception {
        this.gateway = gateway;
        this.middlewares = middlewares;
        try {
            http1 = new GatewayClient(startClient(new HttpClient(), "test-client", gateway.publicPort()), Protocol.HTTP_1_1, gateway.publicPort());
            TlsSettings tls = gateway.gateway().config().startup().server().tls();
            http2 = tls.enabled() && tls.http2()
                ? new GatewayClient(startClient(http2Client(), "test-client-h2", gateway.tlsPort()), Protocol.HTTP_2, gateway.tlsPort())
                : null;
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** The middlewares every gateway knows: the one place tests name where the defaults come from. */
    static MiddlewareRegistry defaultMiddlewares() {
        return BuiltInMiddlewares.registry();
    }

    /** A gateway on exactly this text (no {@link #BASE} added), with the default middlewares, not watched. */
    static TestGateway start(String text) throws Exception {
        return start(text, defaultMiddlewares());
    }

    /** A gateway on exactly this text (no {@link #BASE} added), not watched. */
    static TestGateway start(String text, MiddlewareRegistry middlewares) throws Exception {
        ConfigLoader loader = new ConfigLoader(Map.of(), middlewares.names());
        InitialConfig initial = InitialConfig.fromText(text, "test.conf", ConfigPlane.SOURCE_API, loader);
        return new TestGateway(EmbeddedGateway.start(initial, loader, LastKnownGood.disabled(), middlewares), middlewares);
    }

    /**
     * A gateway on a file, watched when the file says so.
     *
     * @param lastKnownGood where it keeps its last-known-good copy, or {@code null} for none
     */
    static TestGateway startFromFile(Path file, Path lastKnownGood, MiddlewareRegistry middlewares) throws Exception {
        ConfigLoader loader = new ConfigLoader(Map.of(), middlewares.names());
        LastKnownGood copy = lastKnownGood == null ? LastKnownGood.disabled() : LastKnownGood.at(lastKnownGood);
        InitialConfig initial = InitialConfig.fromFile(file, loader, copy);
        return new TestGateway(EmbeddedGateway.start(initial, loader, copy, middlewares), middlewares);
    }

    /**
     * Starts a client whose requests to any name but 127.0.0.1 go to the gateway's {@code port}:
     * a request for a virtual host names it in its URI, so that its {@code Host} (HTTP/1.1) or
     * {@code :authority} (HTTP/2) is that name, as a real client's would be.
     */
    private HttpClient startClient(HttpClient client, String name, int port) throws Exception {
        clients.add(client);
        client.setSocketAddressResolver((host, requestedPort, context, promise) ->
            promise.succeeded(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), host.equals("127.0.0.1") ? requestedPort : port))));
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName(name);
        client.setExecutor(threads);
        client.setScheduler(new ScheduledExecutorScheduler(name + "-scheduler", false));
        // The test sees what the gateway answers: a redirect is a response, not an instruction.
        client.setFollowRedirects(false);
        client.setMaxConnectionsPerDestination(256);
        client.start();
        return client;
    }

    /** HTTP/2 over TLS: the certificate is a throwaway one; TlsTest checks certificates for real. */
    private static HttpClient http2Client() {
        SslContextFactory.Client ssl = new SslContextFactory.Client(true);
        ssl.setEndpointIdentificationAlgorithm(null);
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(ssl);
        return new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client(connector)));
    }

    GatewayClient client(Protocol protocol) {
        if (protocol == Protocol.HTTP_1_1) {
            return http1;
        }
        if (http2 == null) {
            throw new IllegalStateException("this gateway speaks no HTTP/2: it needs nexus.server.tls with http2"
                + " (GatewayExtension adds it to the gateway of a class with @ProtocolTest methods)");
        }
        return http2;
    }

    /** A request to the public port over HTTP/1.1. */
    Request request(String path) {
        return http1.request(path);
    }

    ContentResponse get(String path) throws Exception {
        return http1.get(path);
    }

    /** A request to the admin port (HTTP/1.1, loopback). */
    Request adminRequest(String path) {
        return clients.get(0).newRequest("http://127.0.0.1:" + gateway.adminPort() + path)
            .timeout(GatewayClient.REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Sends and buffers up to {@link #MAX_BODY} of response body. */
    static ContentResponse send(Request request) throws Exception {
        return new CompletableResponseListener(request, MAX_BODY).send().get(GatewayClient.REQUEST_TIMEOUT_SECONDS + 5, TimeUnit.SECONDS);
    }

    String metrics() throws Exception {
        return send(adminRequest("/metrics")).getContentAsString();
    }

    /**
     * Waits until a scrape satisfies the assertion: a request is counted when its exchange
     * completes, which may be just after the client has read the response.
     */
    void awaitMetrics(Consumer<String> assertion) {
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertion.accept(metrics()));
    }

    int publicPort() {
        return gateway.publicPort();
    }

    int adminPort() {
        return gateway.adminPort();
    }

    int tlsPort() {
        return gateway.tlsPort();
    }

    /** The embedded server itself, for what only it can do (drain, thread model). */
    EmbeddedGateway embedded() {
        return gateway;
    }

    /** The live targets of an upstream, whose health a test may set. */
    List<Target> targets(String upstream) {
        return gateway.gateway().snapshot().upstreams().get(upstream).balancer().targets();
    }

    /** Requests admitted and not finished. */
    int inflight() {
        return gateway.gateway().admission().inflight();
    }

    void addSpanProcessor(SpanProcessor processor) {
        gateway.gateway().metrics().tracing().addSpanProcessor(processor);
    }

    /** Swaps in a new config the way every reload (file, endpoint, rollback) ends. */
    void apply(String text) throws Exception {
        gateway.gateway().apply(new ConfigLoader(Map.of(), middlewares.names()).parse(text, "test.conf"));
    }

    /** Stops the clients, then the gateway; a second call does nothing. */
    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        Exception failure = null;
        for (HttpClient client : clients.reversed()) {
            try {
                client.stop();
            } catch (Exception e) {
                failure = add(failure, e);
            }
        }
        try {
            gateway.close();
        } catch (Exception e) {
            failure = add(failure, e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    static Exception add(Exception first, Exception next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
