package io.nexus.gateway.config;

import java.time.Duration;

/**
 * {@code nexus.server.shutdown}: read from the live version when the launcher stops, so a
 * reload changes it.
 *
 * @param drainDelay how long {@code /readyz} answers 503 before the server stops accepting
 * @param timeout how long the requests in flight then get to finish
 */
public record ShutdownSettings(Duration drainDelay, Duration timeout) {
}
