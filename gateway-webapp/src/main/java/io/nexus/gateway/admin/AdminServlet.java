package io.nexus.gateway.admin;

import io.nexus.gateway.config.AuthSettings;
import io.nexus.gateway.config.RateLimitSettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.reload.ConfigPlane;
import io.nexus.gateway.routing.Route;
import io.nexus.gateway.snapshot.GatewaySnapshot;
import io.nexus.gateway.upstream.Upstream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Probes and the admin API. {@code /healthz} and {@code /readyz} are open; everything under
 * {@code /api/v1/} needs {@code Authorization: Bearer <nexus.admin.token>} and answers 403 to
 * all when no token is configured.
 */
final class AdminServlet extends HttpServlet {

    private final transient AdminView gateway;
    private final transient BearerToken token;
    private final transient ConfigApi config;
    private final transient DiagnosticsApi diagnostics = new DiagnosticsApi();

    AdminServlet(AdminView gateway, ConfigPlane plane) {
        this.gateway = gateway;
        // The token of the config the gateway started with: changing it needs a restart, so
        // that a reload can never lock operators out of the API that would undo it.
        this.token = new BearerToken(gateway.startupAdminSettings().token());
        this.config = new ConfigApi(plane);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        switch (path) {
            case "/healthz" -> probe(request, response, path, true, "ok");
            case "/readyz" -> {
                Readiness readiness = gateway.readiness();
                probe(request, response, path, readiness == Readiness.READY, readiness.name().toLowerCase());
            }
            default -> {
                if (path.startsWith("/api/v1/")) {
                    api(request, response, path.substring("/api/v1".length()));
                } else {
                    ErrorResponses.send(response, 404, "not_found", "admin_endpoint_not_found", "no admin endpoint " + path);
                }
            }
        }
    }

    private static void probe(HttpServletRequest request, HttpServletResponse response, String path, boolean ok, String state) throws IOException {
        if (!AdminMethods.requireRead(request, response, path)) {
            return;
        }
        response.setStatus(ok ? 200 : 503);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("text/plain;charset=utf-8");
        response.getWriter().print(state + "\n");
    }

    private void api(HttpServletRequest request, HttpServletResponse response, String path) throws IOException {
        switch (token.check(request.getHeader("Authorization"))) {
            case NO_TOKEN_CONFIGURED -> {
                ErrorResponses.send(response, 403, "forbidden", "admin_api_disabled", "the admin API is disabled: set nexus.admin.token");
                return;
            }
            case MISSING_OR_WRONG -> {
                response.setHeader("WWW-Authenticate", "Bearer realm=\"nexus-admin\"");
                ErrorResponses.send(response, 401, "unauthorized", "invalid_admin_token", "a valid admin bearer token is required");
                return;
            }
            case ALLOWED -> {
            }
        }
        if (path.equals("/config") || path.startsWith("/config/")) {
            config.handle(request, response, path.substring("/config".length()));
            return;
        }
        if (path.startsWith("/debug/")) {
            diagnostics.handle(request, response, path.substring("/debug".length()));
            return;
        }
        if (path.equals("/plugins")) {
            if (AdminMethods.requireRead(request, response, "/api/v1" + path)) {
                AdminJson.write(response, 200, Map.of("middlewares", PluginsApi.list(gateway)));
            }
            return;
        }
        if (path.equals("/routes") || path.equals("/upstreams")) {
            if (!AdminMethods.requireRead(request, response, "/api/v1" + path)) {
                return;
            }
            AdminJson.write(response, 200, path.equals("/routes") ? Map.of("routes", routes()) : Map.of("upstreams", upstreams()));
            return;
        }
        ErrorResponses.send(response, 404, "not_found", "admin_endpoint_not_found", "no admin endpoint /api/v1" + path);
    }

    private List<Map<String, Object>> routes() {
        List<Map<String, Object>> routes = new ArrayList<>();
        GatewaySnapshot snapshot = gateway.snapshot();
        Map<String, Upstream> upstreams = snapshot.upstreams();
        for (Route route : snapshot.routes().routes()) {
            RouteSettings settings = route.settings();
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("name", settings.name());
            json.put("path", settings.path());
            json.put("match", settings.match().name().toLowerCase());
            json.put("methods", settings.methods());
            json.put("host", settings.host().orElse(null));
            // A split route's upstream stays its first side's name, for readers from before splits.
            json.put("upstream", settings.upstream());
            json.put("split", RouteTrafficJson.split(settings.traffic(), name -> targets(upstreams.get(name))));
            json.put("split_sticky", RouteTrafficJson.sticky(settings.traffic()));
            json.put("strip_prefix", settings.stripPrefix());
            json.put("request_timeout_ms", route.requestTimeoutMillis());
            json.put("priority", settings.priority().name().toLowerCase(Locale.ROOT));
            // The chain's order, which is the order they run in; the config's list may say another.
            json.put("middlewares", route.middlewareNames());
            json.put("targets", targets(route.upstream()));
            json.put("rate_limit", settings.rateLimit().map(AdminServlet::rateLimit).orElse(null));
            json.put("auth", settings.auth().map(AdminServlet::auth).orElse(null));
            json.put("traffic", RouteTrafficJson.policy(settings));
            routes.add(json);
        }
        return routes;
    }

    private List<Map<String, Object>> upstreams() {
        List<Map<String, Object>> upstreams = new ArrayList<>();
        for (Upstream upstream : gateway.snapshot().upstreams().values()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("name", upstream.name());
            json.put("balancer", upstream.settings().balancer().configName());
            json.put("circuit_breaker", upstream.breaker().state());
            json.put("targets", targets(upstream));
            upstreams.add(json);
        }
        upstreams.sort(java.util.Comparator.comparing(json -> (String) json.get("name")));
        return upstreams;
    }

    private static Map<String, Object> rateLimit(RateLimitSettings limit) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("requests", limit.requests());
        json.put("window_ms", limit.window().toMillis());
        json.put("key", limit.key().configName());
        json.put("header", limit.header().orElse(null));
        return json;
    }

    /** The provider's name and type only: its keys and secrets stay inside. */
    private static Map<String, Object> auth(AuthSettings auth) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("provider", auth.name());
        json.put("type", switch (auth) {
            case AuthSettings.Jwt jwt -> "jwt";
            case AuthSettings.ApiKey apiKey -> "api-key";
            case AuthSettings.ClientCert clientCert -> "client-cert";
        });
        json.put("required_scopes", auth.requiredScopes());
        return json;
    }

    private static List<Map<String, Object>> targets(Upstream upstream) {
        return upstream.balancer().targets().stream()
            .map(target -> {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("url", target.base());
                json.put("weight", target.weight());
                json.put("healthy", target.isHealthy());
                json.put("active_check_healthy", target.isActiveHealthy());
                json.put("ejected", target.isEjected());
                json.put("ejection_remaining_ms", target.ejectionRemainingNanos() / 1_000_000);
                return json;
            })
            .toList();
    }
}
