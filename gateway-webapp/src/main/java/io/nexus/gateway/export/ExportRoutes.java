package io.nexus.gateway.export;

import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.MiddlewareSettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.config.RouteSettings.MatchKind;
import io.nexus.gateway.config.RouteSettings.PathMatching;
import io.nexus.gateway.config.RouteSettings.Priority;
import io.nexus.gateway.config.UpstreamSettings;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What both exports read from a config the same way: each route's path matches and the gaps
 * that neither nginx nor Envoy can close. A setting added to routes or upstreams gets its
 * translation in {@link NginxExport} and {@link EnvoyExport}, or a gap here.
 */
final class ExportRoutes {

    /** The middlewares whose route keys are reported on their own (auth, rate-limit, fault). */
    private static final Set<String> BUILT_IN = RouteSettings.BUILT_IN_MIDDLEWARES;

    /**
     * One path a route answers: the exact path, or everything under {@code path} (which then
     * ends with {@code /}). {@code replacement}, when present, replaces {@code path} in the
     * upstream's path ({@code strip-prefix}).
     */
    record PathMatch(String path, boolean exact, Optional<String> replacement) {
    }

    /** A route with its position in {@code nexus.routes}, for the keys of its gaps. */
    record IndexedRoute(int index, RouteSettings settings) {
        String key(String setting) {
            return "routes[" + index + "]." + setting;
        }
    }

    private ExportRoutes() {
    }

    static List<IndexedRoute> indexed(GatewayConfig config) {
        List<IndexedRoute> routes = new ArrayList<>();
        for (int i = 0; i < config.routes().size(); i++) {
            routes.add(new IndexedRoute(i, config.routes().get(i)));
        }
        return routes;
    }

    /**
     * Nexus matches a prefix route on its path and below it after a {@code /}; strip-prefix
     * turns the path into {@code /} and {@code /path/rest} into {@code /rest}.
     */
    static List<PathMatch> matches(RouteSettings route) {
        Optional<String> replacement = route.stripPrefix() && !route.path().equals("/") ? Optional.of("/") : Optional.empty();
        if (route.match() == MatchKind.EXACT) {
            return List.of(new PathMatch(route.path(), true, replacement));
        }
        if (route.path().equals("/")) {
            return List.of(new PathMatch("/", false, Optional.empty()));
        }
        return List.of(new PathMatch(route.path(), true, replacement), new PathMatch(route.path() + "/", false, replacement));
    }

    /** The request timeout of a route: its own, else its upstream's. */
    static Duration requestTimeout(RouteSettings route, UpstreamSettings upstream) {
        return route.requestTimeout().orElse(upstream.requestTimeout());
    }

    /** Whether a target is only a scheme, host and port: a path of its own is not exported (a gap). */
    static boolean plainTarget(URI url) {
        return url.getRawPath() == null || url.getRawPath().isEmpty() || url.getRawPath().equals("/");
    }

    static int port(URI url) {
        return url.getPort() > 0 ? url.getPort() : url.getScheme().equals("https") ? 443 : 80;
    }

    /** Settings that neither data plane has: the same lines for both exports. */
    static void commonGaps(GatewayConfig config, String plane, Collection<Gap> gaps) {
        if (config.startup().server().tls().enabled()) {
            gaps.add(new Gap("server.tls", "not exported: configure " + plane + "'s own TLS listener with the same certificates"));
        }
        gaps.add(new Gap("server.max-concurrent-requests", "not exported: " + plane + " has no gateway-wide admission limit with 503 overloaded"));
        gaps.add(new Gap("admin", "not exported: no admin API, config versions or rollback (" + plane + " has its own admin interface)"));
        gaps.add(new Gap("observability", "not exported: metrics, access log and tracing are " + plane + "'s own"));
        gaps.add(new Gap("errors", plane + " answers its own errors, not the contract's JSON bodies with code and cause"));
        config.middlewareSettings().values().stream().filter(MiddlewareSettings::written)
            .forEach(settings -> gaps.add(new Gap("middleware-settings." + settings.name(), "not exported")));
        for (IndexedRoute indexed : indexed(config)) {
            RouteSettings route = indexed.settings();
            route.auth().ifPresent(auth -> gaps.add(new Gap(indexed.key("auth"),
                "no equivalent: the exported route is NOT authenticated (nexus.auth." + auth.name() + ")")));
            route.rateLimit().ifPresent(limit -> gaps.add(new Gap(indexed.key("rate-limit"), "no equivalent: the exported route is not rate limited")));
            route.fault().ifPresent(fault -> gaps.add(new Gap(indexed.key("fault"), "no equivalent: no fault is injected")));
            route.retries().ifPresent(retries -> gaps.add(new Gap(indexed.key("retries.budget-percent"),
                "no retry budget: retries are bounded by attempts only")));
            for (String middleware : route.middlewares()) {
                if (!BUILT_IN.contains(middleware)) {
                    gaps.add(new Gap(indexed.key("middlewares"), "plugin middleware \"" + middleware + "\" has no equivalent"));
                }
            }
            if (!route.pathMatching().equals(PathMatching.STRICT)) {
                gaps.add(new Gap(indexed.key("case-insensitive"), "not exported: paths match exactly as written (case and trailing slash)"));
            }
            if (!route.clientHeaders().trustedProxies().isEmpty() || route.clientHeaders().trustForwardingHeaders()) {
                gaps.add(new Gap(indexed.key("trusted-proxies"), "not exported: a client's forwarding headers are never trusted"));
            }
            if (route.priority() != Priority.NORMAL) {
                gaps.add(new Gap(indexed.key("priority"), "no equivalent: no load shedding by priority"));
            }
            route.traffic().cors().ifPresent(cors -> gaps.add(new Gap(indexed.key("cors"), "not exported: preflights reach the upstream "
                + "and no origin is refused with 403 (" + plane + "'s own CORS support adds headers but does not refuse)")));
            route.traffic().sticky().ifPresent(sticky -> gaps.add(new Gap(indexed.key("split-sticky"),
                "not exported: each request is drawn by weight, so a user may change sides")));
            route.traffic().rewrite().ifPresent(rewrite -> gaps.add(new Gap(indexed.key("rewrite"),
                "a rewritten path with a dot or empty segment goes upstream, not refused with 400 rewrite_refused")));
            if (!route.forwardEarlyHints()) {
                gaps.add(new Gap(indexed.key("early-hints"), "not exported: 103 Early Hints are handled the " + plane + " way"));
            }
        }
        config.upstreams().values().forEach(upstream -> {
            String key = "upstreams." + upstream.name();
            if (upstream.circuitBreaker().enabled()) {
                gaps.add(new Gap(key + ".circuit-breaker", "no equivalent of a failure-rate circuit breaker"));
            }
            for (var target : upstream.targets()) {
                if (!plainTarget(target.url())) {
                    gaps.add(new Gap(key + ".targets", target.url() + ": a target's own path is not exported"));
                }
            }
        });
    }
}
