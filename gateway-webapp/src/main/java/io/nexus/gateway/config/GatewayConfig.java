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
    SecuritySettings security) {

    public GatewayConfig {
        upstreams = Map.copyOf(upstreams);
        routes = List.copyOf(routes);
    }

    /** A config without security settings (defaults: no TLS, no auth providers). */
    public GatewayConfig(String source, ServerSettings server, AdminSettings admin, ConfigSettings config,
                         Map<String, UpstreamSettings> upstreams, List<RouteSettings> routes, DemoSettings demo, String redacted) {
        this(source, server, admin, config, upstreams, routes, demo, redacted, SecuritySettings.defaults());
    }
}
