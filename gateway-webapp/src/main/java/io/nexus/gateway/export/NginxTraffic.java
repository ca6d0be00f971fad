package io.nexus.gateway.export;

import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.TrafficPolicy.HeaderEdits;
import io.nexus.gateway.export.ExportRoutes.IndexedRoute;
import io.nexus.gateway.export.ExportRoutes.PathMatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A route's header edits and path rewrite as nginx directives (docs/data-plane-switch.md):
 * request edits as {@code proxy_set_header} over the gateway's own headers, response edits as
 * {@code proxy_hide_header} and {@code add_header ... always}, the rewrite as one
 * {@code rewrite ... break} that also strips the prefix ({@link RouteRewrite}).
 */
final class NginxTraffic {

    /** nginx has no escape for {@code $} in a string: a literal one is this variable. */
    private static final String DOLLAR = "${nexus_dollar}";

    /** A request header nginx sends upstream: its name as written and its value in nginx syntax ({@code ""}: not sent). */
    record Header(String name, String value) {
    }

    private final GatewayConfig config;
    private final Collection<Gap> gaps;

    NginxTraffic(GatewayConfig config, Collection<Gap> gaps) {
        this.config = config;
        this.gaps = gaps;
    }

    /** What the locations' edits need at the http level: the {@code $} variable, and a map per header added to a client's. */
    List<String> httpLevel() {
        List<String> lines = new ArrayList<>();
        boolean dollar = false;
        for (IndexedRoute route : ExportRoutes.indexed(config)) {
            var headers = route.settings().traffic().headers();
            for (HeaderEdits edits : List.of(headers.request(), headers.response())) {
                dollar |= edits.set().values().stream().anyMatch(NginxTraffic::hasLiteralDollar)
                    || edits.add().values().stream().anyMatch(NginxTraffic::hasLiteralDollar);
            }
            HeaderEdits request = headers.request();
            for (Map.Entry<String, String> add : request.add().entrySet()) {
                if (addsToClientHeader(request, add.getKey())) {
                    // Nexus adds a value to what the client sent; nginx can only set the whole header.
                    String client = "$http_" + add.getKey().toLowerCase(Locale.ROOT).replace('-', '_');
                    String value = value(route, add.getValue());
                    lines.add("map " + client + " " + addVariable(route, add.getKey()) + " {");
                    lines.add("    \"\" " + value + ";");
                    lines.add("    default \"" + client + ", " + inner(value) + "\";");
                    lines.add("}");
                    gaps.add(new Gap(route.key("headers.request.add." + add.getKey()),
                        "a client's repeated " + add.getKey() + " keeps its first value only before the added one"));
                }
            }
        }
        if (dollar) {
            lines.addFirst("geo $nexus_dollar { default \"$\"; }");
        }
        return lines;
    }

    /** Applies a route's request edits over the gateway's own headers, as Nexus does: remove, set, add. */
    void editRequestHeaders(IndexedRoute route, Map<String, Header> headers) {
        HeaderEdits edits = route.settings().traffic().headers().request();
        for (String name : edits.remove()) {
            headers.put(name.toLowerCase(Locale.ROOT), new Header(name, "\"\""));
        }
        edits.set().forEach((name, value) -> headers.put(name.toLowerCase(Locale.ROOT), new Header(name, value(route, value))));
        edits.add().forEach((name, value) -> {
            Header before = headers.get(name.toLowerCase(Locale.ROOT));
            String added = value(route, value);
            if (addsToClientHeader(edits, name)) {
                headers.put(name.toLowerCase(Locale.ROOT), new Header(name, addVariable(route, name)));
            } else if (before == null || before.value().equals("\"\"")) {
                headers.put(name.toLowerCase(Locale.ROOT), new Header(name, added));
            } else {
                headers.put(name.toLowerCase(Locale.ROOT), new Header(name, "\"" + inner(before.value()) + ", " + inner(added) + "\""));
            }
        });
        requestIdGaps(route, edits, "headers.request");
    }

    /** The response edits of a location; {@code add_header} there drops the http level's, so X-Request-Id is repeated. */
    List<String> responseHeaders(IndexedRoute route) {
        HeaderEdits edits = route.settings().traffic().headers().response();
        List<String> lines = new ArrayList<>();
        for (String name : edits.remove()) {
            lines.add("proxy_hide_header " + name + ";");
        }
        edits.set().keySet().stream().filter(name -> !edits.remove().contains(name)).forEach(name -> lines.add("proxy_hide_header " + name + ";"));
        edits.set().forEach((name, value) -> lines.add("add_header " + name + " " + value(route, value) + " always;"));
        edits.add().forEach((name, value) -> lines.add("add_header " + name + " " + value(route, value) + " always;"));
        if (!edits.set().isEmpty() || !edits.add().isEmpty()) {
            lines.add("add_header X-Request-Id $nexus_request_id always;");
            gaps.add(new Gap(route.key("headers.response"), "nginx also adds the headers to its own error answers (502, 504...)"));
        }
        requestIdGaps(route, edits, "headers.response");
        return lines;
    }

    /**
     * The rewrite directive of a prefix location, or empty when the route has no rewrite or
     * nginx cannot read its replacement (a gap).
     */
    Optional<String> rewrite(IndexedRoute route, PathMatch match) {
        Optional<RouteRewrite.WholePath> rewrite = RouteRewrite.ofPrefixMatch(route, match, gaps);
        if (rewrite.isEmpty()) {
            return Optional.empty();
        }
        RouteRewrite.WholePath whole = rewrite.get();
        StringBuilder replacement = new StringBuilder();
        for (RouteRewrite.Part part : whole.replacement()) {
            if (part instanceof RouteRewrite.Group group) {
                replacement.append('$').append(group.number());
            } else if (((RouteRewrite.Text) part).text().contains("$")) {
                gaps.add(new Gap(route.key("rewrite.replacement"), "not exported: nginx cannot write a literal $ in a rewrite"));
                return Optional.empty();
            } else {
                replacement.append(((RouteRewrite.Text) part).text());
            }
        }
        return Optional.of("rewrite " + quoted(whole.regex()) + " " + quoted(replacement.toString()) + " break;");
    }

    /** A header value template as a quoted nginx string. */
    private static String value(IndexedRoute route, String template) {
        return "\"" + HeaderTemplates.render(template, route.settings().name(), NginxTraffic::literal,
            variable -> variable.equals("request_id") ? "${nexus_request_id}" : "${remote_addr}") + "\"";
    }

    private void requestIdGaps(IndexedRoute route, HeaderEdits edits, String key) {
        edits.set().forEach((name, value) -> requestIdGap(route, key + ".set." + name, value));
        edits.add().forEach((name, value) -> requestIdGap(route, key + ".add." + name, value));
    }

    private void requestIdGap(IndexedRoute route, String key, String value) {
        if (HeaderTemplates.usesRequestId(value)) {
            gaps.add(new Gap(route.key(key), "${request_id} is the client's X-Request-Id, else nginx's own $request_id "
                + "(32 hex digits, not a UUID)"));
        }
    }

    /** Whether an add goes onto what the client sent: the gateway and the route's set and remove leave the header alone. */
    private static boolean addsToClientHeader(HeaderEdits edits, String name) {
        return !NginxExport.GATEWAY_REQUEST_HEADERS.contains(name.toLowerCase(Locale.ROOT))
            && edits.set().keySet().stream().noneMatch(name::equalsIgnoreCase)
            && edits.remove().stream().noneMatch(name::equalsIgnoreCase);
    }

    private static String addVariable(IndexedRoute route, String header) {
        return "$nexus_route" + route.index() + "_add_" + header.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    private static boolean hasLiteralDollar(String template) {
        return template.replaceAll("\\$\\{(request_id|client_ip|route)}", "").contains("$");
    }

    private static String literal(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", DOLLAR);
    }

    /** A regex or replacement in double quotes: nginx's parser reads \\ and \" there, other escapes are kept. */
    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** A quoted value without its quotes. */
    private static String inner(String quoted) {
        return quoted.substring(1, quoted.length() - 1);
    }
}
