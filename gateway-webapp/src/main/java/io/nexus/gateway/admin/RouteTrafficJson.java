package io.nexus.gateway.admin;

import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.config.TrafficPolicy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A route's split and traffic policy as {@code GET /api/v1/routes} shows them: what an operator
 * needs to see where requests go and what the gateway changes on the way, without the values
 * of header edits (a {@code set} may carry a credential for the upstream).
 */
final class RouteTrafficJson {

    private RouteTrafficJson() {
    }

    /** Each side of the route's split with its targets, in file order; {@code null} without a split. */
    static List<Map<String, Object>> split(TrafficPolicy traffic, Function<String, List<Map<String, Object>>> targets) {
        if (traffic.split().isEmpty()) {
            return null;
        }
        return traffic.split().stream().map(way -> {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("upstream", way.upstream());
            json.put("weight", way.weight());
            json.put("match_header", way.matchHeader().map(header -> Map.of("name", header.name(), "value", header.value())).orElse(null));
            json.put("targets", targets.apply(way.upstream()));
            return json;
        }).toList();
    }

    /** The header or cookie that keeps a user on one side; {@code null} when the draw is random. */
    static Map<String, Object> sticky(TrafficPolicy traffic) {
        return traffic.sticky().map(sticky -> {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("header", sticky.header().orElse(null));
            json.put("cookie", sticky.cookie().orElse(null));
            return json;
        }).orElse(null);
    }

    /** Header edits (names only), rewrite, CORS origins, mirror and WebSocket, each {@code null} or {@code false} when off. */
    static Map<String, Object> policy(RouteSettings route) {
        TrafficPolicy traffic = route.traffic();
        Map<String, Object> json = new LinkedHashMap<>();
        TrafficPolicy.HeaderEdits.Both headers = traffic.headers();
        json.put("headers", headers.request().isEmpty() && headers.response().isEmpty() ? null
            : Map.of("request", headerNames(headers.request()), "response", headerNames(headers.response())));
        json.put("rewrite", traffic.rewrite().map(rewrite -> Map.of("regex", rewrite.regex(), "replacement", rewrite.replacement())).orElse(null));
        json.put("cors", traffic.cors().map(cors -> {
            Map<String, Object> corsJson = new LinkedHashMap<>();
            corsJson.put("allowed_origins", cors.allowedOrigins());
            corsJson.put("allow_credentials", cors.allowCredentials());
            return corsJson;
        }).orElse(null));
        json.put("mirror", traffic.mirror().map(mirror -> {
            Map<String, Object> mirrorJson = new LinkedHashMap<>();
            mirrorJson.put("upstream", mirror.upstream());
            mirrorJson.put("percent", mirror.percent());
            return mirrorJson;
        }).orElse(null));
        json.put("websocket", route.webSocket().enabled());
        return json;
    }

    private static Map<String, Object> headerNames(TrafficPolicy.HeaderEdits edits) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("remove", edits.remove());
        json.put("set", edits.set().keySet().stream().sorted().toList());
        json.put("add", edits.add().keySet().stream().sorted().toList());
        return json;
    }
}
