package io.nexus.launcher;

import io.nexus.gateway.admin.AdminEndpoints;
import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.RequestLimits;
import io.nexus.gateway.config.ServerSettings;
import io.nexus.gateway.config.ShutdownSettings;
import io.nexus.gateway.lifecycle.Gateway;
import io.nexus.gateway.lifecycle.GatewayContextListener;
import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.reload.ConfigPlane;
import io.nexus.gateway.reload.InitialConfig;
import io.nexus.gateway.reload.LastKnownGood;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.websocket.server.config.JettyWebSocketServletContainerInitializer;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.eclipse.jetty.util.VirtualThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway on an embedded Jetty: a public connector serving the proxy and an admin
 * connector (loopback by default) serving probes, metrics and the admin API, each reaching
 * only its own context. Requests run on virtual threads unless configured otherwise.
 */
public final class EmbeddedGateway implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedGateway.class);
    private static final String PUBLIC = "public";
    private static final int RESPONSE_HEADER_SIZE = 16 * 1024;
    private static final Duration STREAM_END_MARGIN = Duration.ofSeconds(1);
    private static final String ADMIN = "admin";
    /** Acceptor + selector + room for a scrape, an API call and probes at once. */
    private static final int ADMIN_MAX_THREADS = 8;
    private static final int ADMIN_MIN_THREADS = 2;

    private final Server server;
    private final Gateway gateway;
    private final ConfigPlane plane;
    private final DemoUpstream demo;
    private final ServerConnector publicConnector;
    private final ServerConnector adminConnector;
    private final TlsTermination tls;

    private EmbeddedGateway(Server server, Gateway gateway, ConfigPlane plane, DemoUpstream demo, ServerConnector publicConnector,
                            ServerConnector adminConnector, TlsTermination tls) {
        this.server = server;
        this.gateway = gateway;
        this.plane = plane;
        this.demo = demo;
        this.publicConnector = publicConnector;
        this.adminConnector = adminConnector;
        this.tls = tls;
    }

    /**
     * Starts everything; on failure, stops what was started and rethrows.
     *
     * @param loader validates every later change (reload, rollback) the way the initial config was
     */
    public static EmbeddedGateway start(InitialConfig initial, ConfigLoader loader, LastKnownGood lastKnownGood,
                                        MiddlewareRegistry middlewares) throws Exception {
        GatewayConfig config = initial.config();
        ServerSettings settings = config.startup().server();
        TlsTermination.prepareJdk(settings.tls());
        ThreadPool threads = threadPool(settings.virtualThreads());
        // Started first: the upstream clients share it and must not take over its lifecycle.
        ((LifeCycle) threads).start();
        DemoUpstream demo = null;
        Gateway gateway = null;
        ConfigPlane plane = null;
        ArrayByteBufferPool buffers = BufferPool.bounded(Runtime.getRuntime().maxMemory());
        Server server = new Server(threads, null, buffers);
        try {
            if (config.startup().demo().enabled()) {
                demo = DemoUpstream.start(config.startup().demo().host(), config.startup().demo().port());
            }
            gateway = Gateway.start(config, threads, middlewares);
            plane = ConfigPlane.start(gateway, initial, loader, lastKnownGood, gateway.scheduler(), gateway.executor());
            DroppedLogEvents.register(gateway.metrics().registry());
            BufferPool.register(buffers, gateway.metrics().registry());
            ServerConnector publicConnector = connector(server, null, PUBLIC, settings.host(), settings.port(), settings.limits(),
                settings.connections().minRequestBodyRate(), settings.connections().headerCacheSize());
            if (settings.connections().http2Cleartext()) {
                HttpConfiguration http = publicConnector.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration();
                publicConnector.addConnectionFactory(new PriorKnowledgeH2c(http));
            }
            ServerConnector adminConnector = connector(server, adminThreads(), ADMIN, config.startup().admin().host(),
                config.startup().admin().port(), settings.limits(), 0, 0);
            server.setConnectors(new Connector[] {publicConnector, adminConnector});
            // Parse errors, over-limit headers and ambiguous URIs are answered before any filter: as JSON too.
            server.setErrorHandler(new JsonErrorHandler());
            TlsTermination tls = null;
            if (settings.tls().enabled()) {
                tls = TlsTermination.create(server, settings.host(), settings.tls(),
                    publicConnector.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration(), gateway.metrics().registry(),
                    gateway.scheduler());
                server.addConnector(tls.connector());
                server.addBean(tls);
            }
            ClientConnections.apply(server, tls == null ? List.of(publicConnector) : List.of(publicConnector, tls.connector()),
                settings.connections(), gateway.metrics().registry());

            ContextHandlerCollection contexts = new ContextHandlerCollection(
                publicContext(gateway), adminContext(gateway, plane));
            // Counts requests until their (async) completion so that stop waits for them.
            server.setHandler(new GracefulHandler(contexts));
            server.setStopTimeout(config.shutdown().timeout().toMillis());
            server.setStopAtShutdown(false);
            server.start();
            gateway.markReady();
            warnAboutOpenAdmin(config);
            LOG.info("Nexus listening on {}:{} (admin {}:{}), virtual threads {}", settings.host(), port(publicConnector),
                config.startup().admin().host(), port(adminConnector), settings.virtualThreads() ? "on" : "off");
            if (tls != null) {
                LOG.info("TLS on {}:{} ({}), certificates {}", settings.host(), port(tls.connector()),
                    settings.tls().http2() ? "h2, http/1.1" : "http/1.1", settings.tls().certificates());
            }
            return new EmbeddedGateway(server, gateway, plane, demo, publicConnector, adminConnector, tls);
        } catch (Exception e) {
            if (plane != null) {
                plane.close();
            }
            stopQuietly(server);
            if (gateway != null) {
                gateway.close();
            }
            if (demo != null) {
                stopQuietly(demo);
            }
            stopQuietly((LifeCycle) threads);
            throw e;
        }
    }

    /**
     * With virtual threads, everything runs on them: selectors, I/O callbacks and requests, so
     * that a request's steps hand over from one virtual thread to the next on the same carrier
     * instead of waking platform threads. Handing only the requests to virtual threads (a
     * platform pool with a virtual-threads executor) cost 2 context switches per request and a
     * third of the throughput on one core (docs/performance.md). No cap on concurrent tasks:
     * admission control bounds the requests, and a cap would also hold up selectors.
     */
    static ThreadPool threadPool(boolean virtual) {
        if (virtual) {
            VirtualThreadPool pool = new VirtualThreadPool(0);
            pool.setName("nexus-vt");
            return pool;
        }
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("nexus");
        return pool;
    }

    /**
     * The admin connector's own platform threads: its acceptor, its selector and the handling of
     * its requests (Jetty runs a request on the thread that read it) never queue behind the
     * request executor. Saturated by 2,000 clients on one core, the shared executor made
     * {@code /readyz} take a median 1.5 s (issue 28), past the kubelet's probe timeout: pods were
     * marked unready, and could be restarted, under exactly the load the autoscaler exists for.
     * Platform threads get their share of the core from the OS scheduler, not from the virtual
     * threads' queue. Small and bounded: probes, scrapes and the admin API are a few requests a
     * second; a burst beyond the pool waits in its queue without touching the data plane.
     */
    static QueuedThreadPool adminThreads() {
        QueuedThreadPool pool = new QueuedThreadPool(ADMIN_MAX_THREADS, ADMIN_MIN_THREADS);
        pool.setName("nexus-admin");
        // No reserved threads: idle spares for an executor that is idle most of the time.
        pool.setReservedThreads(0);
        return pool;
    }

    /** @param executor the connector's own threads, or {@code null} for the server's pool */
    private static ServerConnector connector(Server server, Executor executor, String name, String host, int port, RequestLimits limits,
                                             long minRequestBodyRate, int headerCacheSize) {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // Hostile input (docs/security.md): STRICT refuses CL+TE, duplicate Content-Length, bare LF
        // line ends and obsolete folding with 400; RFC 3986 URI compliance refuses %2F, %2E%2E,
        // empty segments and other ambiguous paths with 400 before routing sees them.
        http.setHttpCompliance(HttpCompliance.STRICT);
        http.setUriCompliance(UriCompliance.DEFAULT);
        http.setRequestHeaderSize(limits.maxRequestHeaderSize());
        // Above the largest max-response-header-size an upstream may set (12 KiB): room for the
        // headers the gateway adds, so that a head the upstream client accepted can be written.
        http.setResponseHeaderSize(RESPONSE_HEADER_SIZE);
        // A request body slower than this on average fails with 408 (docs/security.md).
        http.setMinRequestDataRate(minRequestBodyRate);
        // Jetty's default (1,024 fields) costs ~100 KiB of heap per kept-alive connection from
        // its second request on: the cap on memory per connection (docs/performance.md).
        http.setHeaderCacheSize(headerCacheSize);
        // Jetty's defaults (from the cores) on the server's pool; one acceptor and one selector on
        // a connector's own small pool. A given executor becomes the connector's managed bean,
        // started and stopped with it.
        int threads = executor == null ? -1 : 1;
        ServerConnector connector = new ServerConnector(server, executor, null, null, threads, threads, new HttpConnectionFactory(http));
        connector.setName(name);
        connector.setHost(host);
        connector.setPort(port);
        return connector;
    }

    private static ServletContextHandler publicContext(Gateway gateway) {
        ServletContextHandler context = new ServletContextHandler("/");
        context.setVirtualHosts(List.of("@" + PUBLIC, "@" + TlsTermination.CONNECTOR));
        context.setAttribute(Gateway.ATTRIBUTE, gateway);
        // Jetty's WebSocket container for the routes with websocket = true (before the listener that uses it).
        JettyWebSocketServletContainerInitializer.configure(context, null);
        context.addEventListener(new GatewayContextListener());
        return context;
    }

    private static ServletContextHandler adminContext(Gateway gateway, ConfigPlane plane) {
        ServletContextHandler context = new ServletContextHandler("/");
        context.setVirtualHosts(List.of("@" + ADMIN));
        context.addEventListener(new ServletContextListener() {
            @Override
            public void contextInitialized(ServletContextEvent event) {
                AdminEndpoints.register(event.getServletContext(), "", gateway, plane);
            }
        });
        return context;
    }

    private static void warnAboutOpenAdmin(GatewayConfig config) {
        String host = config.startup().admin().host();
        boolean loopback = host.equals("127.0.0.1") || host.equals("::1") || host.equals("localhost");
        if (!loopback && config.startup().admin().token().isEmpty()) {
            LOG.warn("The admin port listens on {} without nexus.admin.token: probes and metrics are open there; the API refuses every call", host);
        }
    }

    /** Whether requests run on virtual threads: the server's pool hands blocking work to them. */
    public boolean runsOnVirtualThreads() {
        return VirtualThreads.getVirtualThreadsExecutor(server.getThreadPool()) != null;
    }

    public ConfigPlane configPlane() {
        return plane;
    }

    public Gateway gateway() {
        return gateway;
    }

    public int publicPort() {
        return port(publicConnector);
    }

    public int adminPort() {
        return port(adminConnector);
    }

    /** The HTTPS port, when {@code nexus.server.tls} is enabled. */
    public int tlsPort() {
        return port(tls.connector());
    }

    private static int port(NetworkConnector connector) {
        return connector.getLocalPort();
    }

    /**
     * Graceful drain: readiness turns 503, then after {@code drain-delay} the server stops
     * accepting and waits up to {@code shutdown.timeout} for the requests in flight.
     *
     * @return whether every request in flight completed within the timeout
     */
    public boolean drainAndStop() throws InterruptedException {
        ShutdownSettings settings = gateway.config().shutdown();
        plane.close();
        gateway.startDraining();
        Duration delay = settings.drainDelay();
        if (!delay.isZero()) {
            Thread.sleep(delay.toMillis());
        }
        LOG.info("Drain delay over; stopping with {} requests in flight (waiting up to {} ms)",
            gateway.admission().inflight(), settings.timeout().toMillis());
        boolean clean = true;
        // shutdown.* is reloadable: the live config's timeout, not the one the server started with.
        server.setStopTimeout(settings.timeout().toMillis());
        // Streams (docs/streaming.md) run until the drain is nearly over, then end cleanly,
        // early enough for their last bytes to leave before the stop closes connections.
        Scheduler.Task endStreams = gateway.endStreamsBefore(settings.timeout(), streamEndMargin(settings.timeout()));
        try {
            // WebSockets are not requests the stop waits for: they get a close frame 1001 (going
            // away) and a moment for the closing handshake before the connectors close.
            int open = gateway.webSockets().goAway(streamEndMargin(settings.timeout()));
            if (open > 0) {
                LOG.warn("{} WebSocket connections did not finish their closing handshake", open);
            }
            server.stop();
        } catch (Exception e) {
            // Jetty reports a graceful stop that hit its timeout as an exception.
            clean = false;
            LOG.warn("Stop did not complete cleanly: {}", e.toString());
        } finally {
            endStreams.cancel();
        }
        int left = gateway.admission().inflight();
        if (left > 0) {
            clean = false;
            LOG.warn("{} requests were still in flight at the end of the shutdown timeout", left);
        }
        gateway.close();
        if (demo != null) {
            stopQuietly(demo);
        }
        LOG.info("Nexus stopped");
        return clean;
    }

    /** How long before the end of the drain open streams end: a tenth of it, at most a second. */
    static Duration streamEndMargin(Duration timeout) {
        Duration tenth = timeout.dividedBy(10);
        return tenth.compareTo(STREAM_END_MARGIN) < 0 ? tenth : STREAM_END_MARGIN;
    }

    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() throws Exception {
        plane.close();
        stopQuietly(server);
        gateway.close();
        if (demo != null) {
            demo.close();
        }
    }

    private static void stopQuietly(org.eclipse.jetty.util.component.LifeCycle lifeCycle) {
        try {
            lifeCycle.stop();
        } catch (Exception e) {
            LOG.debug("Stop failed", e);
        }
    }

    private static void stopQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.debug("Close failed", e);
        }
    }
}
