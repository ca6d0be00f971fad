package io.nexus.gateway.config;

import java.util.Locale;

/**
 * {@code nexus.server.adaptive-concurrency}: whether the admission limit follows measured latency
 * instead of staying at {@code max-concurrent-requests}, with which algorithm, and its bounds.
 *
 * @param minLimit the limit never falls below this, however slow the upstreams get
 * @param maxLimit the limit never rises above this (it replaces {@code max-concurrent-requests})
 * @param initialLimit the limit at start-up, before any latency was measured
 */
public record AdaptiveConcurrencySettings(boolean enabled, Algorithm algorithm, int minLimit, int maxLimit, int initialLimit) {

    /** The Netflix concurrency-limits algorithm that moves the limit. */
    public enum Algorithm {
        /** Compares the short-term latency with a long-term average: a rising ratio lowers the limit. */
        GRADIENT2,
        /** TCP Vegas: estimates the queue from the latency over the lowest latency seen. */
        VEGAS;

        /** The name used in the config file. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Algorithm fromConfigName(String name) {
            for (Algorithm algorithm : values()) {
                if (algorithm.configName().equals(name)) {
                    return algorithm;
                }
            }
            return null;
        }
    }
}
