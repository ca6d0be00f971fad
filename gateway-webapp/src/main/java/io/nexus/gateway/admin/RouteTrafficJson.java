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
            json.put("match_header", way.matchHeader().map(header -> pair("name", header.name(), "value", header.value())).orElse(null));
            json.put("targets", targets.apply(way.upstream()));
            return json;
        }).toList();
    }

    /** The header or cookie that keeps a user on one side; {@code null} when the draw is random. */
    static Map<String, Object> sticky(TrafficPolicy traffic) {
        return traffic.sticky().map(sticky -> pair("header", sticky.header().orElse(null), "cookie", sticky.cookie().orElse(null)))
            .orElse(null);
    }

    /** Header edits (names only), rewrite, CORS origins, mirror and WebSocket, each {@code null} or {@code false} when off. */
    static Map<String, Object> policy(RouteSettings route) {
        TrafficPolicy traffic = route.traffic();
        Map<String, Object> json = new LinkedHashMap<>();
        TrafficPolicy.HeaderEdits.Both headers = traffic.headers();
        json.put("headers", headers.request().isEmpty() && headers.response().isEmpty() ? null
            : pair("request", headerNames(headers.request()), "response", headerNames(headers.response())));
        json.put("rewrite", traffic.rewrite().map(rewrite -> pair("regex", rewrite.regex(), "replacement", rewrite.replacement())).orElse(null));
        json.put("cors", traffic.cors().map(cors -> pair("allowed_origins", cors.allowedOrigins(), "allow_credentials", cors.allowCredentials()))
            .orElse(null));
        json.put("mirror", traffic.mirror().map(mirror -> pair("upstream", mirror.upstream(), "percent", mirror.percent())).orElse(null));
        json.put("websocket", route.webSocket().enabled());
        return json;
    }

    /** Two fields in this order (Map.of's order changes from one JVM to the next) and either may be null. */
    private static Map<String, Object> pair(String firstKey, Object first, String secondKey, Object second) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put(firstKey, first);
        json.put(secondKey, second);
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
