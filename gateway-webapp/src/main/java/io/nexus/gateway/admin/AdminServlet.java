package io.nexus.gateway.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.error.GatewayError;
import io.nexus.gateway.lifecycle.Gateway;
import io.nexus.gateway.lifecycle.Readiness;
import io.nexus.gateway.routing.Route;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Probes and the admin API. {@code /healthz} and {@code /readyz} are open; everything under
 * {@code /api/v1/} needs {@code Authorization: Bearer <nexus.admin.token>} and answers 403 to
 * all when no token is configured.
 */
final class AdminServlet extends HttpServlet {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final transient Gateway gateway;
    private final transient BearerToken token;

    AdminServlet(Gateway gateway) {
        this.gateway = gateway;
        this.token = new BearerToken(gateway.config().admin().token());
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        switch (path) {
            case "/healthz" -> probe(request, response, true, "ok");
            case "/readyz" -> {
                Readiness readiness = gateway.readiness();
                probe(request, response, readiness == Readiness.READY, readiness.name().toLowerCase());
            }
            default -> {
                if (path.startsWith("/api/v1/")) {
                    api(request, response, path.substring("/api/v1".length()));
                } else {
                    ErrorResponses.send(response, GatewayError.NO_ROUTE, "no admin endpoint " + path, null);
                }
            }
        }
    }

    private static void probe(HttpServletRequest request, HttpServletResponse response, boolean ok, String state) throws IOException {
        if (!isRead(request)) {
            ErrorResponses.send(response, GatewayError.METHOD_NOT_ALLOWED, "probes answer GET and HEAD", null);
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
                ErrorResponses.send(response, GatewayError.FORBIDDEN, "the admin API is disabled: set nexus.admin.token", null);
                return;
            }
            case MISSING_OR_WRONG -> {
                response.setHeader("WWW-Authenticate", "Bearer realm=\"nexus-admin\"");
                ErrorResponses.send(response, GatewayError.UNAUTHORIZED, "a valid admin bearer token is required", null);
                return;
            }
            case ALLOWED -> {
            }
        }
        if (path.equals("/routes")) {
            if (!isRead(request)) {
                ErrorResponses.send(response, GatewayError.METHOD_NOT_ALLOWED, "/api/v1/routes answers GET", null);
                return;
            }
            writeJson(response, Map.of("routes", routes()));
            return;
        }
        ErrorResponses.send(response, GatewayError.NO_ROUTE, "no admin endpoint /api/v1" + path, null);
    }

    private List<Map<String, Object>> routes() {
        List<Map<String, Object>> routes = new ArrayList<>();
        for (Route route : gateway.snapshot().routes().routes()) {
            RouteSettings settings = route.settings();
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("name", settings.name());
            json.put("path", settings.path());
            json.put("match", settings.match().name().toLowerCase());
            json.put("methods", settings.methods());
            json.put("host", settings.host().orElse(null));
            json.put("upstream", settings.upstream());
            json.put("strip_prefix", settings.stripPrefix());
            json.put("request_timeout_ms", route.requestTimeoutMillis());
            json.put("targets", route.upstream().balancer().targets().stream()
                .map(target -> Map.of("url", target.base(), "weight", target.weight(), "healthy", target.isHealthy()))
                .toList());
            routes.add(json);
        }
        return routes;
    }

    private static void writeJson(HttpServletResponse response, Object body) throws IOException {
        response.setStatus(200);
        response.setContentType("application/json");
        JSON.writeValue(response.getOutputStream(), body);
    }

    private static boolean isRead(HttpServletRequest request) {
        return "GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod());
    }
}
