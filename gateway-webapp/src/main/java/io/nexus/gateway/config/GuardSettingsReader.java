package io.nexus.gateway.config;

import java.time.Duration;

/** Reads {@code nexus.config.guard}. */
final class GuardSettingsReader {

    private GuardSettingsReader() {
    }

    static GuardSettings read(Section guard) {
        return new GuardSettings(
            guard.bool("enabled"),
            guard.duration("window", Duration.ofSeconds(1)),
            guard.intBetween("min-requests", 1, 100_000_000),
            guard.doubleBetween("max-error-ratio-increase", 0, 1),
            guard.doubleBetween("max-p99-increase", 1, 1000),
            guard.duration("min-p99-increase", Duration.ZERO));
    }
}
