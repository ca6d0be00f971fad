package io.nexus.gateway.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The whole validated configuration: an immutable tree of records, never changed after parsing.
 * {@link #startup()} holds what is fixed when the process starts; everything else takes effect
 * with the version that carries it.
 *
 * @param source where the configuration was read from, for logs and errors
 * @param startup listeners, backpressure, threads, request limits, TLS, admin, demo and the file
 *     watch: a reload that changes them takes effect at the next restart
 * @param shutdown {@code nexus.server.shutdown}, read from the live version when stopping
 * @param maxHistory {@code nexus.config.max-history}: versions kept for the admin API
 * @param auth the authentication providers of {@code nexus.auth} by name
 * @param observability access log and tracing
 * @param rendering the effective configuration (defaults included) rendered as HOCON with every
 *     secret replaced by {@code <redacted>}, made when first asked for: what the admin API shows and diffs
 * @param guard {@code nexus.config.guard}: how the versions after this one are watched
 * @param middlewareSettings {@code nexus.middleware-settings} by middleware name
 * @param pluginsDir {@code nexus.plugins.dir}: where the launcher finds plugin jars (read at start-up)
 */
public record GatewayConfig(
    String source,
    StartupSettings startup,
    ShutdownSettings shutdown,
    int maxHistory,
    Map<String, UpstreamSettings> upstreams,
    List<RouteSettings> routes,
    Map<String, AuthSettings> auth,
    ObservabilitySettings observability,
    RedactedConfig rendering,
    GuardSettings guard,
    Map<String, MiddlewareSettings> middlewareSettings,
    Path pluginsDir) {

    public GatewayConfig {
        middlewareSettings = Map.copyOf(middlewareSettings);
        upstreams = Map.copyOf(upstreams);
        routes = List.copyOf(routes);
        auth = Map.copyOf(auth);
    }

    /** The text of {@link #rendering()}. */
    public String redacted() {
        return rendering.text();
    }
}
