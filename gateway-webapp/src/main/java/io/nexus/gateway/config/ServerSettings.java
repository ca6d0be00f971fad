package io.nexus.gateway.config;

import java.time.Duration;

/**
 * The public listener as the process starts it ({@code nexus.server} other than
 * {@code shutdown.*}, which is {@link ShutdownSettings}).
 *
 * @param maxConcurrentRequests permits of the backpressure semaphore
 * @param queueTimeout how long a request waits for a permit
 * @param virtualThreads whether the launcher runs request handling on virtual threads
 * @param limits request line and header limits, applied by the connectors and the first filters
 * @param tls TLS termination on a port of its own (launcher only)
 * @param connections limits of the public connectors' client connections (launcher only)
 */
public record ServerSettings(
    String host,
    int port,
    int maxConcurrentRequests,
    Duration queueTimeout,
    long maxRequestBody,
    boolean virtualThreads,
    RequestLimits limits,
    TlsSettings tls,
    ConnectionSettings connections) {

    /** With reference.conf's connection limits. */
    public ServerSettings(String host, int port, int maxConcurrentRequests, Duration queueTimeout, long maxRequestBody, boolean virtualThreads,
                          RequestLimits limits, TlsSettings tls) {
        this(host, port, maxConcurrentRequests, queueTimeout, maxRequestBody, virtualThreads, limits, tls, ConnectionSettings.DEFAULTS);
    }
}
