package io.nexus.gateway.config;

import java.time.Duration;

/** The public listener, backpressure and shutdown settings ({@code nexus.server}). */
public record ServerSettings(
    String host,
    int port,
    int maxConcurrentRequests,
    Duration queueTimeout,
    long maxRequestBody,
    boolean virtualThreads,
    Duration drainDelay,
    Duration shutdownTimeout) {
}
