package io.nexus.launcher;

import io.nexus.gateway.config.ConnectionSettings;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.LowResourceMonitor;
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
 * connectors' {@code HttpConfiguration}, a minimum request body rate; and, near the cap, a short
 * idle timeout that closes idle connections first. Metrics: {@code nexus_open_connections{connector}},
 * {@code nexus_connection_limit_reached_total} and {@code nexus_connection_pressure}.
 */
final class ClientConnections {

    private static final Logger LOG = LoggerFactory.getLogger(ClientConnections.class);
    /** Checks per header-read timeout: a header is cut between 1 and 1.5 timeouts after it began. */
    private static final int CHECKS_PER_TIMEOUT = 2;
    private static final int PRESSURE_CHECK_MILLIS = 1000;
    private static final long LIMIT_WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

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
            private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - LIMIT_WARNING_INTERVAL_NANOS);
            private final AtomicLong unreported = new AtomicLong();

            @Override
            protected void limit() {
                reachedPoint.inc();
                long times = unreported.incrementAndGet();
                // Under a flood the limit is reached many times a second: one line per interval.
                long now = System.nanoTime();
                long last = lastWarning.get();
                if (now - last >= LIMIT_WARNING_INTERVAL_NANOS && lastWarning.compareAndSet(last, now)) {
                    unreported.addAndGet(-times);
                    LOG.warn("{} client connections open, the limit (nexus.server.max-connections): not accepting more until one closes"
                        + " (reached {} times since the last warning)", getMaxConnections(), times);
                }
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
        server.addBean(pressureMonitor(server, publicConnectors, settings, registry));
        long timeoutMillis = settings.headerReadTimeout().toMillis();
        for (ServerConnector connector : publicConnectors) {
            connector.setIdleTimeout(settings.idleTimeout().toMillis());
            // Read when the connector opens its socket, at start.
            connector.setAcceptQueueSize(settings.acceptQueueSize());
            connector.addBean(new HeaderDeadline(connector, timeoutMillis));
        }
    }

    /**
     * Connection pressure, Envoy-overload-manager style: from {@code pressure-threshold-percent}
     * of {@code max-connections} open, Jetty's {@link LowResourceMonitor} gives every connection
     * the short {@code pressure-idle-timeout}, so kept-alive connections that sit idle close
     * first and make room; connections keep being accepted up to the limit. Gauge
     * {@code nexus_connection_pressure} is 1 meanwhile.
     */
    private static LowResourceMonitor pressureMonitor(Server server, List<ServerConnector> publicConnectors, ConnectionSettings settings,
                                                      PrometheusRegistry registry) {
        long highWater = Math.max(1, (long) settings.maxConnections() * settings.pressureThresholdPercent() / 100);
        LowResourceMonitor monitor = new LowResourceMonitor(server);
        monitor.setMonitoredConnectors(List.copyOf(publicConnectors));
        monitor.setPeriod(PRESSURE_CHECK_MILLIS);
        monitor.setLowResourcesIdleTimeout((int) Math.min(Integer.MAX_VALUE, settings.pressureIdleTimeout().toMillis()));
        monitor.setAcceptingInLowResources(true);
        monitor.setLowResourceChecks(Set.of(new LowResourceMonitor.LowResourceCheck() {
            @Override
            public boolean isLowOnResources() {
                return open(publicConnectors) >= highWater;
            }

            @Override
            public String getReason() {
                return "at least " + highWater + " client connections open (nexus.server.pressure-threshold-percent of max-connections)";
            }
        }));
        GaugeWithCallback.builder()
            .name("nexus_connection_pressure")
            .help("1 while the public connectors are under connection pressure: idle connections get nexus.server.pressure-idle-timeout.")
            .callback(callback -> callback.call(monitor.isLowOnResources() ? 1 : 0))
            .register(registry);
        return monitor;
    }

    private static int open(List<ServerConnector> connectors) {
        int open = 0;
        for (ServerConnector connector : connectors) {
            open += connector.getConnectedEndPoints().size();
        }
        return open;
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
