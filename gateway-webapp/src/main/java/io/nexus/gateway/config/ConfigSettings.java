package io.nexus.gateway.config;

import java.time.Duration;

/**
 * How the configuration itself is handled ({@code nexus.config}).
 *
 * @param watch reload the file when it changes
 * @param pollInterval how often the file's content hash is compared, besides file events
 * @param maxHistory versions kept for the admin API; the oldest is evicted
 */
public record ConfigSettings(boolean watch, Duration pollInterval, int maxHistory) {
}
