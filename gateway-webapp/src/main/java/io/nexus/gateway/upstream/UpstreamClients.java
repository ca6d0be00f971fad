package io.nexus.gateway.upstream;

import io.nexus.gateway.config.UpstreamProtocol;
import io.nexus.gateway.config.UpstreamSettings;
import java.util.List;
import java.util.concurrent.Executor;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.client.MultiplexConnectionPool;
import org.eclipse.jetty.client.ProtocolHandler;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.Scheduler;

/** Builds the HTTP client of an upstream with the settings a reverse proxy needs. */
public final class UpstreamClients {

    private final Executor executor;
    private final Scheduler scheduler;
    private final List<ProtocolHandler> interimHandlers;

    /**
     * @param executor the server's executor, shared so that the client adds no thread pool of its own
     * @param scheduler the gateway's scheduler, shared so that the client adds no timer thread of its own
     * @param interimHandlers consume or relay the upstreams' interim responses (100, 102, 103, other 1xx)
     */
    public UpstreamClients(Executor executor, Scheduler scheduler, List<ProtocolHandler> interimHandlers) {
        this.executor = executor;
        this.scheduler = scheduler;
        this.interimHandlers = List.copyOf(interimHandlers);
    }

    /** A started client; the caller stops it when the upstream goes away. */
    public HttpClient start(UpstreamSettings settings) throws Exception {
        // The upstream's own TLS context is built at start (its files read, a bad one failing the
        // config, then watched) when it has an https target or TLS files; otherwise the connector
        // would build Jetty's default one, with the JDK's trust store, on a first use that never comes.
        boolean ownTls = settings.targets().stream().anyMatch(target -> target.url().getScheme().equals("https"))
            || !settings.tls().files().isEmpty();
        ClientConnector connector = new LazyTlsClientConnector();
        connector.setSelectors(1);
        UpstreamTls tls = ownTls ? UpstreamTls.create(settings.name(), settings.tls(), scheduler) : null;
        if (tls != null) {
            connector.setSslContextFactory(tls.sslContextFactory());
        }
        HttpClient client = new HttpClient(transport(settings.protocol(), connector));
        if (tls != null) {
            // Started and stopped with the client: the certificate files' checks.
            client.addBean(tls);
        }
        client.setName("nexus-upstream-" + settings.name());
        if (executor != null) {
            // Already running when the client starts, so Jetty leaves its lifecycle to the server.
            client.setExecutor(executor);
        }
        if (scheduler != null) {
            // Request and connect timeouts and the idle trim of IdleCappedConnectionPool run on it.
            // Running as well, so stopping the client leaves it alone. Jetty's default is a
            // platform thread per client.
            client.setScheduler(scheduler);
        }
        // Redirects must be proxied as is, not followed.
        client.setFollowRedirects(false);
        // Must not store cookies, otherwise cookies of different clients will mix.
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        // The client's own User-Agent must not replace (or be added to) the caller's.
        client.setUserAgentField(null);
        client.setConnectTimeout(settings.connectTimeout().toMillis());
        client.setIdleTimeout(settings.idleTimeout().toMillis());
        client.setMaxConnectionsPerDestination(settings.maxConnectionsPerTarget());
        // A larger head could not be written to the client (the server's response header limit,
        // 8 KiB by default in Jetty): refused here, it is the upstream's fault, a 502, never a 500.
        client.setMaxResponseHeadersSize(settings.maxResponseHeaderSize());
        // A pooled network buffer per connection. Jetty's default sizes the pool's buckets by the
        // executor's max threads, or by 2 x cores when it is not a sized pool (virtual threads):
        // 2 buffers on one core, so nearly every response allocated a direct buffer (a cleaner
        // registration under a global lock, zeroing, and GC work later).
        client.setByteBufferPool(new ArrayByteBufferPool(0, 2048, 65536, settings.maxConnectionsPerTarget()));
        int maxIdle = settings.maxIdleConnectionsPerTarget();
        int maxConnections = settings.maxConnectionsPerTarget();
        if (settings.protocol().multiplexes()) {
            // A connection carries up to the target's SETTINGS_MAX_CONCURRENT_STREAMS requests
            // (learnt from its first SETTINGS frame; 1 until then); a new one opens only when
            // every open one is full, up to max-connections-per-target (docs/protocols.md).
            client.getTransport().setConnectionPoolFactory(destination -> new MultiplexConnectionPool(destination, maxConnections, 1));
        } else {
            client.getTransport().setConnectionPoolFactory(destination -> new IdleCappedConnectionPool(destination, maxConnections, maxIdle));
        }
        client.start();
        // Content must not be decoded: bodies are relayed as the upstream sent them.
        client.getContentDecoderFactories().clear();
        // Pass every final response through (no redirects, no authentication); only interim
        // responses (1xx) need the proxy's handlers, or one would be taken for the final answer.
        client.getProtocolHandlers().clear();
        interimHandlers.forEach(client.getProtocolHandlers()::put);
        return client;
    }

    /**
     * Jetty's dynamic transport with the HTTP/2 client: for {@code auto}, HTTP/1.1 first (what
     * a plain target gets) and both offered by ALPN to https targets. {@code h2} and {@code h2c}
     * use the HTTP/2 transport itself: the dynamic one negotiates ALPN only when it has more than
     * one protocol to offer, and a TLS server such as grpc-java's refuses a connection without
     * ALPN {@code h2}; the HTTP/2 transport offers it, and talks prior knowledge to http targets.
     */
    private static HttpClientTransport transport(UpstreamProtocol protocol, ClientConnector connector) {
        return switch (protocol) {
            case HTTP1 -> new HttpClientTransportDynamic(connector, HttpClientConnectionFactory.HTTP11);
            case AUTO -> new HttpClientTransportDynamic(connector, HttpClientConnectionFactory.HTTP11,
                new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector)));
            case H2C, H2 -> new HttpClientTransportOverHTTP2(new HTTP2Client(connector));
        };
    }
}
