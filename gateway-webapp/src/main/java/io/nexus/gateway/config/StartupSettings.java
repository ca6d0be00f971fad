package io.nexus.gateway.config;

/**
 * What is fixed when the process starts: the listeners, backpressure, threads, request limits,
 * TLS, the admin listener and token, the demo upstream and how the config file is watched. A
 * reload may carry other values (they show in the version and its diff), but they take effect
 * at the next restart; everything else in {@link GatewayConfig} takes effect with the version.
 *
 * @param server {@code nexus.server} other than {@code shutdown.*}
 * @param admin {@code nexus.admin}; the token of the start-up config stays in force, so that a
 *     reload can never lock operators out of the API that would undo it
 * @param demo {@code nexus.demo}
 * @param configWatch {@code nexus.config.watch} and {@code poll-interval}
 * @param adaptiveConcurrency {@code nexus.server.adaptive-concurrency}: whether latency drives the admission limit
 */
public record StartupSettings(ServerSettings server, AdminSettings admin, DemoSettings demo, ConfigWatchSettings configWatch,
                              AdaptiveConcurrencySettings adaptiveConcurrency) {
}
