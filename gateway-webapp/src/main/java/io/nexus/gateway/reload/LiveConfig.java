package io.nexus.gateway.reload;

import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.observability.GuardSignals;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** What the config plane changes: the running gateway, as the composition root provides it. */
public interface LiveConfig {

    /** The config that is live now. */
    GatewayConfig config();

    /**
     * Makes a validated config live, atomically.
     *
     * @throws Exception when it cannot start; the running config stays live
     */
    void apply(GatewayConfig config) throws Exception;

    /** Where the config plane registers its metrics. */
    PrometheusRegistry registry();

    /** What the config guard compares before and after a change. */
    GuardSignals guardSignals();
}
