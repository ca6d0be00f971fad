package io.nexus.gateway.config;

import java.util.List;
import java.util.Map;

/**
 * The whole validated configuration: an immutable tree of records, never changed after parsing.
 *
 * @param source where the configuration was read from, for logs and errors
 * @param security request limits, TLS and the authentication providers
 * @param redacted the effective configuration (defaults included) rendered as HOCON with every
 *     secret replaced by {@code <redacted>}: what the admin API shows and diffs
 * @param observability access log and tracing
 */
public record GatewayConfig(
    String source,
    ServerSettings server,
    AdminSettings admin,
    ConfigSettings config,
    Map<String, UpstreamSettings> upstreams,
    List<RouteSettings> routes,
    DemoSettings demo,
    String redacted,
    ObservabilitySettings observability,
    SecuritySettings security) {

    public GatewayConfig {
        upstreams = Map.copyOf(upstreams);
        routes = List.copyOf(routes);
    }
}
