package io.nexus.gateway.upstream;

import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.DuplexConnectionPool;

/**
 * Jetty's duplex pool with a cap on idle connections: a connection released while the pool
 * already holds {@code maxIdle} idle ones is closed instead of kept, so a burst does not
 * leave hundreds of idle sockets open against a target.
 */
final class IdleCappedConnectionPool extends DuplexConnectionPool {

    private final int maxIdle;

    IdleCappedConnectionPool(Destination destination, int maxConnections, int maxIdle) {
        super(destination, maxConnections);
        this.maxIdle = maxIdle;
    }

    @Override
    public boolean release(Connection connection) {
        if (getIdleConnectionCount() >= maxIdle) {
            // Returning false makes the destination close the connection.
            remove(connection);
            return false;
        }
        return super.release(connection);
    }

    int maxIdle() {
        return maxIdle;
    }
}
