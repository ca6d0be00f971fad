package io.nexus.launcher;

import io.nexus.gateway.config.ConnectionSettings;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one client may hold of the public connectors: a cap on open connections (Jetty's
 * {@link ConnectionLimit}: at the cap the connectors stop accepting, so further clients wait in
 * the kernel's backlog instead of taking memory), a deadline for a request's header (a
 * slowloris that trickles header lines never reaches the idle timeout), and, set on the
 * connectors' {@code HttpConfiguration}, a minimum request body rate. Metrics:
 * {@code nexus_open_connections{connector}} and {@code nexus_connection_limit_reached_total}.
 */
final class ClientConnections {

    private static final Logger LOG = LoggerFactory.getLogger(ClientConnections.class);
    /** Checks per header-read timeout: a header is cut between 1 and 1.5 timeouts after it began. */
    private static final int CHECKS_PER_TIMEOUT = 2;

    private ClientConnections() {
    }

    /** Applies the limits to the public connectors and registers their metrics; call before the server starts. */
    static void apply(Server server, List<ServerConnector> publicConnectors, ConnectionSettings settings, PrometheusRegistry registry) {
        Counter reached = Counter.builder()
            .name("nexus_connection_limit_reached_total")
            .help("Times the public connectors reached nexus.server.max-connections and stopped accepting.")
            .register(registry);
        CounterDataPoint reachedPoint = reached.labelValues();
        ConnectionLimit limit = new ConnectionLimit(settings.maxConnections(), publicConnectors.toArray(ServerConnector[]::new)) {
            @Override
            protected void limit() {
                reachedPoint.inc();
                LOG.warn("{} client connections open, the limit (nexus.server.max-connections): not accepting more until one closes",
                    getMaxConnections());
                super.limit();
            }
        };
        server.addBean(limit);
        GaugeWithCallback.builder()
            .name("nexus_open_connections")
            .help("Open client connections by connector (public, tls).")
            .labelNames("connector")
            .callback(callback -> {
                for (ServerConnector connector : publicConnectors) {
                    callback.call(connector.getConnectedEndPoints().size(), connector.getName());
                }
            })
            .register(registry);
        long timeoutMillis = settings.headerReadTimeout().toMillis();
        for (ServerConnector connector : publicConnectors) {
            connector.setIdleTimeout(settings.idleTimeout().toMillis());
            connector.addBean(new HeaderDeadline(connector, timeoutMillis));
        }
    }

    /** Watches the HTTP/1.1 connections of a connector for headers that take too long. */
    private static final class HeaderDeadline implements Connection.Listener {
        private final ServerConnector connector;
        private final long intervalMillis;

        HeaderDeadline(ServerConnector connector, long timeoutMillis) {
            this.connector = connector;
            this.intervalMillis = Math.max(1, timeoutMillis / CHECKS_PER_TIMEOUT);
        }

        @Override
        public void onOpened(Connection connection) {
            // HTTP/2 frames its headers itself and has its own stream timeouts; TLS wraps the
            // HTTP/1.1 connection, which is opened (and seen here) on its own.
            if (connection instanceof HttpConnection http) {
                new Watch(http).schedule();
            }
        }

        /**
         * One connection's checks: a request whose header is still being parsed, with no new
         * request in between, on CHECKS_PER_TIMEOUT + 1 checks in a row has been at it for at
         * least the timeout.
         */
        private final class Watch implements Runnable {
            private final HttpConnection connection;
            private long messagesIn = -1;
            private int inHeader;

            Watch(HttpConnection connection) {
                this.connection = connection;
            }

            void schedule() {
                Scheduler scheduler = connector.getScheduler();
                scheduler.schedule(this, intervalMillis, TimeUnit.MILLISECONDS);
            }

            @Override
            public void run() {
                if (!connection.getEndPoint().isOpen()) {
                    return;
                }
                var parser = connection.getParser();
                long messages = connection.getMessagesIn();
                boolean midHeader = !parser.isStart() && parser.inHeaderState();
                inHeader = midHeader && messages == messagesIn ? inHeader + 1 : midHeader ? 1 : 0;
                messagesIn = messages;
                if (inHeader > CHECKS_PER_TIMEOUT) {
                    LOG.debug("Closing {}: its request header took longer than nexus.server.header-read-timeout", connection);
                    connection.getEndPoint().close();
                    return;
                }
                schedule();
            }
        }
    }
}
