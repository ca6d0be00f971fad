package io.nexus.gateway.upstream;

import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.DuplexConnectionPool;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Jetty's duplex pool with a cap on idle connections: once a second, idle connections beyond
 * {@code maxIdle} are closed, so a burst does not leave hundreds of idle sockets open against
 * a target. The trim runs on the client's scheduler, which is the gateway's ({@link UpstreamClients}).
 *
 * <p>Not on release: under sustained concurrency above the cap, the idle count crosses it
 * many times a second, and closing there made the pool close and reopen hundreds of
 * connections a second (a fifth of the throughput at 256 client connections on one core,
 * docs/performance.md). Counting idle connections also walks the whole pool, which the hot
 * path should not do per request.
 */
final class IdleCappedConnectionPool extends DuplexConnectionPool {

    private static final long TRIM_INTERVAL_MILLIS = 1000;

    private final int maxIdle;
    private final Scheduler scheduler;
    private volatile Scheduler.Task trim;

    IdleCappedConnectionPool(Destination destination, int maxConnections, int maxIdle) {
        super(destination, maxConnections);
        this.maxIdle = maxIdle;
        this.scheduler = destination.getHttpClient().getScheduler();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        scheduleTrim();
    }

    @Override
    protected void doStop() throws Exception {
        Scheduler.Task task = trim;
        if (task != null) {
            task.cancel();
        }
        super.doStop();
    }

    private void scheduleTrim() {
        if (isRunning() || isStarting()) {
            trim = scheduler.schedule(this::trimAndReschedule, TRIM_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void trimAndReschedule() {
        try {
            trimIdle();
        } finally {
            scheduleTrim();
        }
    }

    /** Closes idle connections beyond the cap; takes them the way a request would, so none is closed in use. */
    void trimIdle() {
        for (int excess = getIdleConnectionCount() - maxIdle; excess > 0; excess--) {
            Connection connection = acquire(false);
            if (connection == null) {
                return;
            }
            remove(connection);
            connection.close();
        }
    }
}
