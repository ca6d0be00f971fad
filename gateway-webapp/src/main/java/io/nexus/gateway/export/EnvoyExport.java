package io.nexus.gateway.export;

import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.HealthCheckSettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.config.TargetSettings;
import io.nexus.gateway.config.UpstreamSettings;
import io.nexus.gateway.export.ExportRoutes.IndexedRoute;
import io.nexus.gateway.export.ExportRoutes.PathMatch;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A config as an Envoy (v3 API) static bootstrap: one listener with an HTTP connection manager,
 * a virtual host per route host (plus {@code *}), a route per path a route answers, and a
 * cluster per upstream with its balancer, timeouts, health checks and outlier detection.
 */
final class EnvoyExport {

    private static final String HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
    private static final String ROUTER = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
    private static final String TLS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

    private final GatewayConfig config;
    // A set: a location or route may meet the same gap more than once.
    private final Set<Gap> gaps = new LinkedHashSet<>();
    private final EnvoyTraffic traffic = new EnvoyTraffic(gaps);

    EnvoyExport(GatewayConfig config) {
        this.config = config;
    }

    Exported render() {
        ExportRoutes.commonGaps(config, "Envoy", gaps);
        Map<String, Object> listener = map(
            "name", "nexus_public",
            "address", address(config.startup().server().host(), config.startup().server().port()),
            "filter_chains", List.of(map("filters", List.of(map(
                "name", "envoy.filters.network.http_connection_manager",
                "typed_config", connectionManager())))));
        List<Object> clusters = new ArrayList<>();
        config.upstreams().values().stream().sorted(Comparator.comparing(UpstreamSettings::name)).forEach(up -> clusters.add(cluster(up)));
        Map<String, Object> bootstrap = map("static_resources", map("listeners", List.of(listener), "clusters", clusters));
        for (IndexedRoute route : ExportRoutes.indexed(config)) {
            if (!route.settings().methods().isEmpty()) {
                gaps.add(new Gap(route.key("methods"), "another method finds no route: 404 instead of 405"));
            }
        }
        String text = "# Exported from " + config.source() + " by: java -jar nexus-gateway.jar export --format envoy\n" + Yaml.write(bootstrap);
        return new Exported(text, List.copyOf(gaps));
    }

    private Map<String, Object> connectionManager() {
        Map<String, Object> manager = map(
            "@type", HCM,
            "stat_prefix", "nexus",
            // X-Forwarded-For is the client's address, as Nexus writes it; a client's own
            // X-Request-Id is kept, and every response carries the id.
            "use_remote_address", true,
            "preserve_external_request_id", true,
            "always_set_request_id_in_response", true,
            "route_config", map("name", "nexus_routes", "virtual_hosts", virtualHosts()),
            "http_filters", List.of(map("name", "envoy.filters.http.router", "typed_config", map("@type", ROUTER))));
        return manager;
    }

    private List<Object> virtualHosts() {
        Map<Optional<String>, List<IndexedRoute>> byHost = new LinkedHashMap<>();
        List<IndexedRoute> anyHost = new ArrayList<>();
        for (IndexedRoute route : ExportRoutes.indexed(config)) {
            if (route.settings().host().isPresent()) {
                byHost.computeIfAbsent(route.settings().host(), host -> new ArrayList<>()).add(route);
            } else {
                anyHost.add(route);
            }
        }
        List<Object> hosts = new ArrayList<>();
        byHost.forEach((host, routes) -> {
            List<IndexedRoute> all = new ArrayList<>(routes);
            all.addAll(anyHost);
            hosts.add(map("name", host.get(), "domains", List.of(host.get(), host.get() + ":*"), "routes", routes(all)));
        });
        hosts.add(map("name", "any", "domains", List.of("*"), "routes", routes(anyHost)));
        return hosts;
    }

    /** Envoy takes the first route that matches: exact paths first, then prefixes, longest first, as Nexus matches. */
    private List<Object> routes(List<IndexedRoute> routes) {
        record Entry(IndexedRoute route, PathMatch match) {
        }
        List<Entry> entries = new ArrayList<>();
        for (IndexedRoute route : routes) {
            for (PathMatch match : ExportRoutes.matches(route.settings())) {
                entries.add(new Entry(route, match));
            }
        }
        entries.sort(Comparator.comparing((Entry e) -> !e.match().exact()).thenComparing(e -> -e.match().path().length())
            .thenComparing(e -> e.route().settings().host().isEmpty()));
        List<Object> out = new ArrayList<>();
        for (Entry entry : entries) {
            out.addAll(route(entry.route(), entry.match()));
        }
        return out;
    }

    /**
     * The entries of one path a route answers: with a rewrite, first the paths its regex finds;
     * with a split, first a request with a side's match-header; each with the route's timeout,
     * retries, mirror and header edits.
     */
    private List<Object> route(IndexedRoute indexed, PathMatch match) {
        RouteSettings route = indexed.settings();
        UpstreamSettings upstream = config.upstreams().get(route.upstream());
        List<Object> methods = new ArrayList<>();
        if (!route.methods().isEmpty()) {
            methods.add(map("name", ":method",
                "string_match", map("safe_regex", map("regex", "^(" + String.join("|", new TreeSet<>(route.methods())) + ")$"))));
        }
        record Variant(Map<String, Object> match, List<Object> headers, Map<String, Object> rewrite) {
        }
        List<Variant> variants = new ArrayList<>();
        traffic.rewrite(indexed, match).ifPresent(rewrite -> {
            List<Object> headers = new ArrayList<>(methods);
            // safe_regex sees the path without the query; the prefix keeps the entry under the route's path.
            headers.add(map("name", ":path", "string_match", map("prefix", match.path())));
            variants.add(new Variant(map("safe_regex", map("regex", rewrite.regex())), headers,
                map("regex_rewrite", map("pattern", map("regex", rewrite.regex()), "substitution", rewrite.substitution()))));
        });
        Map<String, Object> plainRewrite = map();
        Optional<String> replacement = match.replacement();
        if (match.exact() && route.traffic().rewrite().isPresent()) {
            // One known path: Nexus's rewrite of it, computed here.
            Optional<String> known = RouteRewrite.knownPath(route.traffic().rewrite().get(), replacement.orElse(match.path()));
            if (known.isEmpty()) {
                return List.of(map("name", route.name(), "match", withHeaders(map("path", match.path()), methods),
                    "direct_response", map("status", 400)));
            }
            replacement = known.equals(Optional.of(match.path())) ? replacement : known;
        }
        replacement.ifPresent(path -> plainRewrite.put("prefix_rewrite", path));
        variants.add(new Variant(map(match.exact() ? "path" : "prefix", match.path()), methods, plainRewrite));

        List<Map<String, Object>> targets = route.traffic().split().isEmpty() ? List.of(map("cluster", upstream.name()))
            : EnvoyTraffic.splitTargets(indexed);
        List<Object> entries = new ArrayList<>();
        for (Variant variant : variants) {
            for (Map<String, Object> target : targets) {
                List<Object> headers = new ArrayList<>(variant.headers());
                Map<String, Object> action = new LinkedHashMap<>(target);
                Optional.ofNullable(action.remove("header")).ifPresent(headers::add);
                entries.add(entry(indexed, upstream, withHeaders(new LinkedHashMap<>(variant.match()), headers), action, variant.rewrite()));
            }
        }
        return entries;
    }

    private static Map<String, Object> withHeaders(Map<String, Object> match, List<Object> headers) {
        if (!headers.isEmpty()) {
            match.put("headers", headers);
        }
        return match;
    }

    private Map<String, Object> entry(IndexedRoute indexed, UpstreamSettings upstream, Map<String, Object> matcher, Map<String, Object> action,
                                      Map<String, Object> rewrite) {
        RouteSettings route = indexed.settings();
        // Nexus sends the target's authority as Host, never the client's.
        action.put("timeout", duration(ExportRoutes.requestTimeout(route, upstream)));
        action.put("auto_host_rewrite", true);
        action.putAll(rewrite);
        // The route's own retries, else its upstream's (by default: connect-failure and reset).
        Optional.of(route.retries().orElse(upstream.retries())).filter(retries -> retries.attempts() > 1).ifPresent(retries -> {
            List<String> on = new ArrayList<>();
            if (retries.retryOnConnectFailure()) {
                on.add("connect-failure");
            }
            if (retries.retryOnReset()) {
                on.add("reset");
            }
            if (!retries.retryOn().isEmpty()) {
                on.add("retriable-status-codes");
            }
            action.put("retry_policy", map("retry_on", String.join(",", on), "num_retries", retries.attempts() - 1,
                "retriable_status_codes", List.copyOf(new TreeSet<>(retries.retryOn()))));
        });
        traffic.mirror(indexed).ifPresent(mirrors -> action.put("request_mirror_policies", mirrors));
        Map<String, Object> entry = map("name", route.name(), "match", matcher, "route", action);
        traffic.headers(indexed, entry, List.of(
            header("x-forwarded-host", "%REQ(:AUTHORITY)%", "OVERWRITE_IF_EXISTS_OR_ADD"),
            header("forwarded", "for=%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%;host=\"%REQ(:AUTHORITY)%\";proto=%REQ(X-FORWARDED-PROTO)%",
                "OVERWRITE_IF_EXISTS_OR_ADD")));
        return entry;
    }

    private Map<String, Object> cluster(UpstreamSettings upstream) {
        String key = "upstreams." + upstream.name();
        String policy = switch (upstream.balancer().configName()) {
            case "round-robin", "weighted-round-robin" -> "ROUND_ROBIN";
            case "random" -> "RANDOM";
            // Envoy's least request picks the better of two random hosts: power of two choices.
            case "least-request", "p2c-ewma" -> "LEAST_REQUEST";
            default -> {
                gaps.add(new Gap(key + ".balancer", upstream.balancer().configName() + " has no Envoy equivalent: ROUND_ROBIN"));
                yield "ROUND_ROBIN";
            }
        };
        if (upstream.balancer().configName().equals("p2c-ewma")) {
            gaps.add(new Gap(key + ".balancer", "p2c-ewma exported as LEAST_REQUEST (two choices by active requests, no latency weighting)"));
        }
        List<Object> endpoints = new ArrayList<>();
        boolean tls = false;
        for (TargetSettings target : upstream.targets()) {
            tls |= target.url().getScheme().equals("https");
            endpoints.add(map("endpoint", map("address", address(target.url().getHost(), ExportRoutes.port(target.url()))),
                "load_balancing_weight", target.weight()));
        }
        Map<String, Object> cluster = map(
            "name", upstream.name(),
            "type", "STRICT_DNS",
            "connect_timeout", duration(upstream.connectTimeout()),
            "lb_policy", policy,
            "typed_extension_protocol_options", map("envoy.extensions.upstreams.http.v3.HttpProtocolOptions", map(
                "@type", "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                "common_http_protocol_options", map("idle_timeout", duration(upstream.idleTimeout())),
                "explicit_http_config", map("http_protocol_options", map()))),
            "circuit_breakers", map("thresholds", List.of(map(
                "max_connections", upstream.maxConnectionsPerTarget() * Math.max(1, upstream.targets().size()),
                "max_requests", upstream.maxRequests() > 0 ? upstream.maxRequests()
                    : upstream.maxConnectionsPerTarget() * Math.max(1, upstream.targets().size()),
                "max_pending_requests", Math.max(1, upstream.maxPendingRequests())))),
            "load_assignment", map("cluster_name", upstream.name(), "endpoints", List.of(map("lb_endpoints", endpoints))));
        HealthCheckSettings.Active active = upstream.healthCheck().active();
        if (active.enabled()) {
            cluster.put("health_checks", List.of(map(
                "timeout", duration(active.timeout()),
                "interval", duration(active.interval()),
                "healthy_threshold", active.healthyThreshold(),
                "unhealthy_threshold", active.unhealthyThreshold(),
                "http_health_check", map("path", active.path(), "expected_statuses", statusRanges(active.expectedStatuses())))));
        }
        HealthCheckSettings.Passive passive = upstream.healthCheck().passive();
        if (passive.enabled()) {
            cluster.put("outlier_detection", map(
                "consecutive_5xx", passive.consecutiveFailures(),
                "consecutive_local_origin_failure", passive.consecutiveFailures(),
                "split_external_local_origin_errors", true,
                "base_ejection_time", duration(passive.ejectionTime()),
                "max_ejection_time", duration(passive.maxEjectionTime()),
                "max_ejection_percent", passive.maxEjectionPercent()));
        }
        if (tls) {
            cluster.put("transport_socket", map("name", "envoy.transport_sockets.tls", "typed_config", map("@type", TLS,
                "common_tls_context", map("validation_context", map("trusted_ca", map("filename", "/etc/ssl/certs/ca-certificates.crt"))))));
            gaps.add(new Gap(key + ".targets", "https targets: set sni per cluster if the targets need it"));
        }
        return cluster;
    }

    private static List<Object> statusRanges(java.util.Set<Integer> statuses) {
        List<Object> ranges = new ArrayList<>();
        for (int status : new TreeSet<>(statuses)) {
            ranges.add(map("start", status, "end", status + 1));
        }
        return ranges;
    }

    static Map<String, Object> header(String name, String value, String action) {
        return map("header", map("key", name, "value", value), "append_action", action);
    }

    private static Map<String, Object> address(String host, int port) {
        return map("socket_address", map("address", host, "port_value", port));
    }

    /** A protobuf JSON duration: seconds with up to three decimals, {@code 2.5s}. */
    static String duration(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros().toPlainString() + "s";
    }

    /** An ordered map of alternating keys and values. */
    static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
