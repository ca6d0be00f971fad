package io.nexus.gateway.config;

import java.time.Duration;

/**
 * How the config file is watched ({@code nexus.config}, start-up only).
 *
 * @param watch reload the file when it changes
 * @param pollInterval how often the file's content hash is compared, besides file events
 */
public record ConfigWatchSettings(boolean watch, Duration pollInterval) {
}
