package io.nexus.gateway.export;

import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.HealthCheckSettings;
import io.nexus.gateway.config.RetrySettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.config.RouteSettings.ResponseBuffering;
import io.nexus.gateway.config.TargetSettings;
import io.nexus.gateway.config.TrafficPolicy;
import io.nexus.gateway.config.UpstreamSettings;
import io.nexus.gateway.export.ExportRoutes.IndexedRoute;
import io.nexus.gateway.export.ExportRoutes.PathMatch;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A config as an nginx {@code http {}} block: an {@code upstream} per upstream, a {@code server}
 * per route host (and one for routes without a host), a {@code location} per path a route
 * answers, and the forwarding headers Nexus writes. Include it in an nginx.conf that has the
 * main context ({@code events {}}, pid, error log).
 */
final class NginxExport {

    /** nginx's own statuses on retries: those Nexus may retry on, as nginx names them. */
    private static final Set<Integer> NGINX_RETRY_STATUSES = Set.of(500, 502, 503, 504, 403, 404, 429);

    private final GatewayConfig config;
    // A set: a location or route may meet the same gap more than once.
    private final Set<Gap> gaps = new LinkedHashSet<>();
    private final StringBuilder out = new StringBuilder(4096);
    private final NginxTraffic traffic;
    private final NginxSplit split;

    /** The request headers Nexus writes itself (lower case): a route's edits apply over them. */
    static final Set<String> GATEWAY_REQUEST_HEADERS = Set.of("host", "connection", "x-request-id", "x-forwarded-for", "x-forwarded-proto",
        "x-forwarded-host", "forwarded");

    NginxExport(GatewayConfig config) {
        this.config = config;
        this.traffic = new NginxTraffic(config, gaps);
        this.split = new NginxSplit(config, gaps);
    }

    Exported render() {
        ExportRoutes.commonGaps(config, "nginx", gaps);
        line(0, "# Exported from " + config.source() + " by: java -jar nexus-gateway.jar export --format nginx");
        line(0, "http {");
        forwardingHeaders();
        config.upstreams().values().stream().sorted(java.util.Comparator.comparing(UpstreamSettings::name)).forEach(this::upstream);
        servers();
        line(0, "}");
        for (IndexedRoute route : ExportRoutes.indexed(config)) {
            if (!route.settings().methods().isEmpty()) {
                gaps.add(new Gap(route.key("methods"), "another method gets nginx's 405, without an Allow header"));
            }
            route.settings().traffic().mirror().ifPresent(mirror -> gaps.add(new Gap(route.key("mirror"), "not exported: nginx's mirror "
                + "holds the client's connection until the copy is answered (a slow shadow delays the next request), copies every request "
                + "(no percent) and has no bound on copies in flight")));
        }
        gaps.add(new Gap("request-timeout", "exported as proxy_read_timeout and proxy_send_timeout: a limit between two reads, "
            + "not on the whole exchange"));
        return new Exported(out.toString(), List.copyOf(gaps));
    }

    /** What Nexus adds to every request, and the request id it returns (docs/data-plane-switch.md). */
    private void forwardingHeaders() {
        line(1, "# A client's plausible X-Request-Id is kept, else nginx makes one (32 hex digits, not a UUID).");
        line(1, "map $http_x_request_id $nexus_request_id {");
        line(2, "\"~^[A-Za-z0-9._:+/=-]{1,128}$\" $http_x_request_id;");
        line(2, "default $request_id;");
        line(1, "}");
        line(1, "# RFC 7239: a host that is not a token is quoted.");
        line(1, "map $http_host $nexus_forwarded_host {");
        line(2, "\"~^[!#$%&'*+.^_`|~0-9A-Za-z-]+$\" $http_host;");
        line(2, "default \"\\\"$http_host\\\"\";");
        line(1, "}");
        line(1, "client_max_body_size " + config.startup().server().maxRequestBody() + ";");
        line(1, "underscores_in_headers off;");
        line(1, "server_tokens off;");
        line(1, "proxy_http_version 1.1;");
        line(1, "proxy_redirect off;");
        line(1, "add_header X-Request-Id $nexus_request_id always;");
        traffic.httpLevel().forEach(text -> line(1, text));
        split.httpLevel().forEach(text -> line(1, text));
    }

    /**
     * The headers Nexus sets on every upstream request, then the route's edits. Written in each
     * location because one proxy_set_header there drops all those inherited from the http level.
     */
    private void requestHeaders(IndexedRoute route, UpstreamSettings upstream) {
        Map<String, NginxTraffic.Header> headers = new LinkedHashMap<>();
        // Jetty's client sends the target's authority; nginx can only for an upstream of one target.
        if (!route.settings().traffic().split().isEmpty()) {
            header(headers, "Host", "\"" + NginxSplit.hostVariable(route) + "\"");
        } else if (upstream.targets().size() == 1) {
            header(headers, "Host", "\"" + authority(upstream.targets().getFirst().url()) + "\"");
        } else {
            gaps.add(new Gap("upstreams." + upstream.name() + ".targets", "Host is the nginx upstream's name, not each target's authority"));
        }
        header(headers, "Connection", "\"\"");
        header(headers, "X-Request-Id", "\"$nexus_request_id\"");
        header(headers, "X-Forwarded-For", "\"$remote_addr\"");
        header(headers, "X-Forwarded-Proto", "\"$scheme\"");
        header(headers, "X-Forwarded-Host", "\"$http_host\"");
        header(headers, "Forwarded", "\"for=$remote_addr;host=$nexus_forwarded_host;proto=$scheme\"");
        traffic.editRequestHeaders(route, headers);
        headers.values().forEach(header -> line(3, "proxy_set_header " + header.name() + " " + header.value() + ";"));
    }

    private static void header(Map<String, NginxTraffic.Header> headers, String name, String value) {
        headers.put(name.toLowerCase(java.util.Locale.ROOT), new NginxTraffic.Header(name, value));
    }

    private void upstream(UpstreamSettings upstream) {
        String key = "upstreams." + upstream.name();
        line(1, "upstream " + upstream.name() + " {");
        switch (upstream.balancer().configName()) {
            case "round-robin", "weighted-round-robin" -> { }
            case "random" -> line(2, "random;");
            case "least-request" -> line(2, "least_conn;");
            case "p2c-ewma" -> {
                line(2, "random two least_conn;");
                gaps.add(new Gap(key + ".balancer", "p2c-ewma exported as nginx's random two least_conn (no latency weighting)"));
            }
            default -> gaps.add(new Gap(key + ".balancer", upstream.balancer().configName() + " has no nginx equivalent: round-robin"));
        }
        HealthCheckSettings.Passive passive = upstream.healthCheck().passive();
        String failures = passive.enabled()
            ? " max_fails=" + passive.consecutiveFailures() + " fail_timeout=" + seconds(passive.ejectionTime()) : " max_fails=0";
        for (TargetSettings target : upstream.targets()) {
            line(2, "server " + authority(target.url()) + " weight=" + target.weight() + " max_conns=" + upstream.maxConnectionsPerTarget()
                + failures + ";");
        }
        line(2, "keepalive " + upstream.maxIdleConnectionsPerTarget() * upstream.targets().size() + ";");
        line(2, "keepalive_timeout " + millis(upstream.idleTimeout()) + ";");
        line(1, "}");
        if (passive.enabled()) {
            gaps.add(new Gap(key + ".health-check.passive", "exported as max_fails/fail_timeout: failures counted within fail_timeout, no growing ejection"));
        }
        if (upstream.healthCheck().active().enabled()) {
            gaps.add(new Gap(key + ".health-check.active", "no equivalent in open-source nginx: targets are not probed"));
        }
        if (upstream.maxRequests() > 0 || upstream.maxPendingRequests() > 0) {
            gaps.add(new Gap(key + ".max-requests", "no equivalent: no upstream queue with 503 upstream_queue_full"));
        }
    }

    /** A server per route host, holding its own routes and those without a host; the rest in the default server. */
    private void servers() {
        Map<Optional<String>, List<IndexedRoute>> byHost = new LinkedHashMap<>();
        byHost.put(Optional.empty(), new ArrayList<>());
        for (IndexedRoute route : ExportRoutes.indexed(config)) {
            byHost.computeIfAbsent(route.settings().host(), host -> new ArrayList<>()).add(route);
        }
        List<IndexedRoute> anyHost = byHost.get(Optional.empty());
        for (Map.Entry<Optional<String>, List<IndexedRoute>> entry : byHost.entrySet()) {
            List<IndexedRoute> routes = new ArrayList<>(entry.getValue());
            if (entry.getKey().isPresent()) {
                routes.addAll(anyHost);
            }
            server(entry.getKey(), routes);
        }
    }

    private void server(Optional<String> host, List<IndexedRoute> routes) {
        line(1, "server {");
        String address = config.startup().server().host();
        String listen = (address.contains(":") ? "[" + address + "]" : address) + ":" + config.startup().server().port();
        line(2, "listen " + listen + (host.isEmpty() ? " default_server" : "") + ";");
        line(2, "server_name " + host.orElse("\"\"") + ";");
        Set<String> written = new TreeSet<>();
        for (IndexedRoute route : routes) {
            for (PathMatch match : ExportRoutes.matches(route.settings())) {
                String location = (match.exact() ? "= " : "") + match.path();
                if (!written.add(location)) {
                    // Routes of one path split by method: nginx cannot send them to different upstreams with strip-prefix.
                    if (host.equals(route.settings().host())) {
                        gaps.add(new Gap(route.key("methods"), "another route has the same path: only the first is exported for " + location));
                    }
                    continue;
                }
                location(route, location, match);
            }
        }
        line(1, "}");
    }

    private void location(IndexedRoute indexed, String location, PathMatch match) {
        RouteSettings route = indexed.settings();
        UpstreamSettings upstream = config.upstreams().get(route.upstream());
        line(2, "location " + location + " {");
        if (!route.methods().isEmpty()) {
            line(3, "if ($request_method !~ ^(" + String.join("|", new TreeSet<>(route.methods())) + ")$) {");
            line(4, "return 405;");
            line(3, "}");
        }
        requestHeaders(indexed, upstream);
        traffic.responseHeaders(indexed).forEach(text -> line(3, text));
        line(3, "proxy_connect_timeout " + millis(upstream.connectTimeout()) + ";");
        Duration timeout = ExportRoutes.requestTimeout(route, upstream);
        line(3, "proxy_send_timeout " + millis(timeout) + ";");
        line(3, "proxy_read_timeout " + millis(timeout) + ";");
        if (route.responseBuffering() == ResponseBuffering.OFF) {
            line(3, "proxy_buffering off;");
        }
        // The route's own retries, else its upstream's (by default: a connection failure, nginx's error).
        retries(indexed, route.retries().orElse(upstream.retries()));
        String scheme = upstream.targets().isEmpty() ? "http" : upstream.targets().getFirst().url().getScheme();
        if (scheme.equals("https")) {
            line(3, "proxy_ssl_server_name on;");
            line(3, "proxy_ssl_verify on;");
            line(3, "proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;");
        }
        proxyPass(indexed, match, scheme, upstream);
        line(2, "}");
    }

    /** The rewrite and proxy_pass of a location: strip-prefix by proxy_pass's URI, or by a rewrite for a split's variable upstream. */
    private void proxyPass(IndexedRoute indexed, PathMatch match, String scheme, UpstreamSettings upstream) {
        RouteSettings route = indexed.settings();
        String uri = match.replacement().orElse("");
        Optional<TrafficPolicy.Rewrite> rewrite = route.traffic().rewrite();
        if (rewrite.isPresent() && match.exact()) {
            // One known path: Nexus's rewrite of it, computed here, replaces the location's path.
            Optional<String> known = RouteRewrite.knownPath(rewrite.get(), uri.isEmpty() ? match.path() : uri);
            if (known.isEmpty()) {
                line(3, "return 400;");
            } else if (!known.get().equals(match.path())) {
                uri = known.get();
            }
        }
        traffic.rewrite(indexed, match).ifPresent(text -> line(3, text));
        if (route.traffic().split().isEmpty()) {
            line(3, "proxy_pass " + scheme + "://" + upstream.name() + uri + ";");
            return;
        }
        // With a variable, proxy_pass's URI would replace the whole path: strip the prefix with a rewrite instead.
        if (!uri.isEmpty() && match.exact()) {
            line(3, "rewrite ^ " + uri + " break;");
        } else if (!uri.isEmpty()) {
            line(3, "rewrite \"^" + RouteRewrite.quote(route.path()).replace("\\", "\\\\") + "(/.*)$\" $1 break;");
        }
        line(3, "proxy_pass " + scheme + "://" + NginxSplit.upstreamVariable(indexed) + ";");
    }

    private void retries(IndexedRoute route, RetrySettings retries) {
        if (retries.attempts() == 1) {
            line(3, "proxy_next_upstream off;");
            return;
        }
        // nginx's error covers a failed connect and a connection closed before the response header.
        StringBuilder on = new StringBuilder(retries.retryOnConnectFailure() ? "error timeout" : retries.retryOnReset() ? "error" : "");
        for (int status : new TreeSet<>(retries.retryOn())) {
            if (NGINX_RETRY_STATUSES.contains(status)) {
                on.append(on.isEmpty() ? "" : " ").append("http_").append(status);
            } else {
                gaps.add(new Gap(route.key("retries.retry-on"), "nginx cannot retry on " + status));
            }
        }
        line(3, "proxy_next_upstream " + (on.isEmpty() ? "off" : on) + ";");
        line(3, "proxy_next_upstream_tries " + retries.attempts() + ";");
    }

    static String authority(URI url) {
        String host = url.getHost();
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + ExportRoutes.port(url);
    }

    /** Server parameters take whole seconds: at least one, rounded up. */
    private static String seconds(Duration duration) {
        return Math.max(1, (duration.toMillis() + 999) / 1000) + "s";
    }

    private static String millis(Duration duration) {
        return duration.toMillis() + "ms";
    }

    private void line(int depth, String text) {
        out.append("    ".repeat(depth)).append(text).append('\n');
    }
}
