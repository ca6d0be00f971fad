package io.nexus.gateway.config;

import java.util.Locale;

/** The balancing strategies an upstream can name in {@code balancer}. */
public enum BalancerKind {
    ROUND_ROBIN, RANDOM, WEIGHTED_ROUND_ROBIN, LEAST_REQUEST, P2C_EWMA;

    /** The name used in the config file, e.g. {@code weighted-round-robin}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static BalancerKind fromConfigName(String name) {
        for (BalancerKind kind : values()) {
            if (kind.configName().equals(name)) {
                return kind;
            }
        }
        return null;
    }
}
