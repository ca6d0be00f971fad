package io.nexus.gateway.export;

import static io.nexus.gateway.export.EnvoyExport.map;

import io.nexus.gateway.config.TrafficPolicy;
import io.nexus.gateway.config.TrafficPolicy.HeaderEdits;
import io.nexus.gateway.export.ExportRoutes.IndexedRoute;
import io.nexus.gateway.export.ExportRoutes.PathMatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A route's traffic policy in Envoy's route API: header edits as the route's
 * {@code request_headers_to_add/remove} and {@code response_headers_to_add/remove} (Envoy removes
 * before it adds, as Nexus does), the rewrite as {@code regex_rewrite} on a route of its own that
 * only the paths the regex finds take, the split as {@code weighted_clusters} after a route per
 * {@code match-header}, and the mirror as {@code request_mirror_policies}.
 */
final class EnvoyTraffic {

    /** What RE2 (Envoy's regex engine) does not have: lookaround, backreferences, atomic and possessive groups. */
    private static final Pattern NOT_RE2 = Pattern.compile("\\(\\?<?[=!]|\\(\\?>|\\\\[1-9]|\\\\k<|[*+?}]\\+");
    /** A Java named group, written the way every RE2 reads it. */
    private static final Pattern NAMED_GROUP = Pattern.compile("\\(\\?<([A-Za-z][A-Za-z0-9]*)>");

    private final Collection<Gap> gaps;

    EnvoyTraffic(Collection<Gap> gaps) {
        this.gaps = gaps;
    }

    /**
     * The route's header edits, over the gateway's own request headers: those the route removes
     * are left out of them, because Envoy would remove before adding them.
     */
    void headers(IndexedRoute route, Map<String, Object> entry, List<Map<String, Object>> gatewayHeaders) {
        TrafficPolicy.HeaderEdits.Both headers = route.settings().traffic().headers();
        List<Object> requestAdd = new ArrayList<>();
        for (Map<String, Object> header : gatewayHeaders) {
            String name = (String) ((Map<?, ?>) header.get("header")).get("key");
            if (headers.request().remove().stream().noneMatch(name::equalsIgnoreCase)) {
                requestAdd.add(header);
            }
        }
        requestAdd.addAll(additions(route, headers.request()));
        entry.put("request_headers_to_add", requestAdd);
        if (!headers.request().remove().isEmpty()) {
            entry.put("request_headers_to_remove", headers.request().remove());
        }
        List<Object> responseAdd = additions(route, headers.response());
        if (!responseAdd.isEmpty()) {
            entry.put("response_headers_to_add", responseAdd);
        }
        if (!headers.response().remove().isEmpty()) {
            entry.put("response_headers_to_remove", headers.response().remove());
        }
    }

    private static List<Object> additions(IndexedRoute route, HeaderEdits edits) {
        List<Object> headers = new ArrayList<>();
        edits.set().forEach((name, value) -> headers.add(EnvoyExport.header(name, value(route, value), "OVERWRITE_IF_EXISTS_OR_ADD")));
        edits.add().forEach((name, value) -> headers.add(EnvoyExport.header(name, value(route, value), "APPEND_IF_EXISTS_OR_ADD")));
        return headers;
    }

    /** A header value template in Envoy's substitution format: a literal % is %%. */
    private static String value(IndexedRoute route, String template) {
        return HeaderTemplates.render(template, route.settings().name(), text -> text.replace("%", "%%"),
            variable -> variable.equals("request_id") ? "%REQ(x-request-id)%" : "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%");
    }

    /** A route's rewrite as Envoy takes it: the regex matches and rewrites the whole path (without its query). */
    record RegexRewrite(String regex, String substitution) {
    }

    /**
     * The rewrite of the entry that takes the paths under a prefix match the route's regex finds: it
     * matches them with {@code safe_regex} (the path without its query) and a {@code :path}
     * prefix, and rewrites with the same regex; the others go on to the plain entry.
     */
    Optional<RegexRewrite> rewrite(IndexedRoute route, PathMatch match) {
        Optional<RouteRewrite.WholePath> rewrite = RouteRewrite.ofPrefixMatch(route, match, gaps);
        if (rewrite.isEmpty()) {
            return Optional.empty();
        }
        if (NOT_RE2.matcher(route.settings().traffic().rewrite().orElseThrow().regex()).find()) {
            gaps.add(new Gap(route.key("rewrite.regex"), "not exported: RE2 (Envoy) has no lookaround, backreferences or possessive groups"));
            return Optional.empty();
        }
        RouteRewrite.WholePath whole = rewrite.get();
        StringBuilder substitution = new StringBuilder();
        for (RouteRewrite.Part part : whole.replacement()) {
            if (part instanceof RouteRewrite.Group group) {
                substitution.append('\\').append(group.number());
            } else {
                substitution.append(((RouteRewrite.Text) part).text().replace("\\", "\\\\"));
            }
        }
        String regex = NAMED_GROUP.matcher(whole.regex()).replaceAll("(?P<$1>");
        return Optional.of(new RegexRewrite(regex, substitution.toString()));
    }

    /**
     * The entries of a split route: one per side with a {@code match-header}, in file order (the
     * first a request carries wins, as in Nexus), then the weighted choice.
     */
    static List<Map<String, Object>> splitTargets(IndexedRoute route) {
        List<Map<String, Object>> targets = new ArrayList<>();
        List<Object> weighted = new ArrayList<>();
        for (TrafficPolicy.SplitWay way : route.settings().traffic().split()) {
            way.matchHeader().ifPresent(header -> targets.add(map(
                "header", map("name", header.name(), "string_match", map("exact", header.value())),
                "cluster", way.upstream())));
            weighted.add(map("name", way.upstream(), "weight", way.weight()));
        }
        targets.add(map("weighted_clusters", map("clusters", weighted)));
        return targets;
    }

    /** The route's mirror, as a share of a million. */
    Optional<List<Object>> mirror(IndexedRoute route) {
        return route.settings().traffic().mirror().map(mirror -> {
            gaps.add(new Gap(route.key("mirror"), "Envoy sends the copy with -shadow appended to its Host, bounds copies only by the "
                + "shadow cluster's circuit_breakers (not max-in-flight) and copies bodies of any size (not max-body)"));
            return List.of(map("cluster", mirror.upstream(), "runtime_fraction", map("default_value",
                map("numerator", Math.round(mirror.percent() * 10_000), "denominator", "MILLION"))));
        });
    }
}
