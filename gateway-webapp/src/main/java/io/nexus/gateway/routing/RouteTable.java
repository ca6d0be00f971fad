package io.nexus.gateway.routing;

import io.nexus.gateway.config.RouteSettings.MatchKind;
import io.nexus.gateway.config.RouteSettings.PathMatching;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An immutable route table: an exact-path hash map first, then a trie of path segments for
 * prefix routes, searched from the longest matching prefix down. Built once per config and
 * shared by every request without locks.
 *
 * <p>A prefix route for {@code /api} matches {@code /api} and {@code /api/...} but not
 * {@code /apix}: prefixes end at a segment boundary.
 *
 * <p>Routes that match leniently ({@code case-insensitive}, {@code trailing-slash-equivalent})
 * come after the strict lookups of their kind: an exact route that matches leniently before any
 * prefix route, a case-insensitive prefix route in a trie of its own, ASCII letters folded,
 * against the strict trie by prefix length. Building a table warns about an exact route with
 * authentication that a prefix route without authentication answers for {@code /admin/} or
 * {@code /ADMIN}.
 */
public final class RouteTable {

    private static final Logger LOG = LoggerFactory.getLogger(RouteTable.class);
    private static final Route[] NONE = new Route[0];
    // Below this many children a linear regionMatches scan beats hashing a substring.
    private static final int LINEAR_CHILDREN = 8;

    private final Map<String, Route[]> exact;
    private final Route[] lenientExact;
    private final Node root;
    /** Case-insensitive prefix routes, their segments in lower case; {@code null} when there are none. */
    private final Node foldedRoot;
    private final List<Route> routes;
    private final List<String> warnings;

    private RouteTable(Map<String, Route[]> exact, Route[] lenientExact, Node root, Node foldedRoot, List<Route> routes, List<String> warnings) {
        this.exact = exact;
        this.lenientExact = lenientExact;
        this.root = root;
        this.foldedRoot = foldedRoot;
        this.routes = routes;
        this.warnings = warnings;
    }

    /** Builds a table; routes with a host come before routes without, otherwise config order. */
    public static RouteTable of(List<Route> routes) {
        Map<String, List<Route>> exact = new HashMap<>();
        List<Route> lenientExact = new ArrayList<>();
        MutableNode root = new MutableNode();
        MutableNode foldedRoot = null;
        Map<String, String> segmentNames = new HashMap<>();
        for (Route route : routes) {
            String path = route.settings().path();
            PathMatching matching = route.settings().pathMatching();
            if (route.settings().match() == MatchKind.EXACT) {
                exact.computeIfAbsent(path, p -> new ArrayList<>()).add(route);
                if (matching.caseInsensitive() || matching.trailingSlashEquivalent()) {
                    lenientExact.add(route);
                }
            } else {
                MutableNode node = root;
                if (matching.caseInsensitive()) {
                    foldedRoot = foldedRoot == null ? new MutableNode() : foldedRoot;
                    node = foldedRoot;
                }
                for (String segment : segments(matching.caseInsensitive() ? asciiLowerCase(path) : path)) {
                    // One copy of each segment however many routes repeat it (/svcN/api: "api").
                    String shared = segmentNames.computeIfAbsent(segment, s -> s);
                    node = node.children.computeIfAbsent(shared, s -> new MutableNode());
                }
                node.routes.add(route);
            }
        }
        Map<String, Route[]> frozenExact = new HashMap<>();
        exact.forEach((path, list) -> frozenExact.put(path, ordered(list)));
        List<String> warnings = shadowWarnings(routes);
        warnings.forEach(LOG::warn);
        return new RouteTable(Map.copyOf(frozenExact), ordered(lenientExact), root.freeze(), foldedRoot == null ? null : foldedRoot.freeze(),
            List.copyOf(routes), List.copyOf(warnings));
    }

    /** What building the table warned about: exact routes with auth answered by a prefix route without. */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * An exact route with authentication, and a prefix route without it that takes the
     * requests the exact route does not match: {@code /admin/} and {@code /ADMIN} when the exact
     * route is {@code /admin}, unless it matches them itself.
     */
    private static List<String> shadowWarnings(List<Route> routes) {
        List<String> warnings = new ArrayList<>();
        // Most tables have no exact route with auth: nothing to index for them.
        if (routes.stream().noneMatch(RouteTable::mayBeShadowed)) {
            return warnings;
        }
        // Prefix routes without auth by lower-cased path: an exact route looks up its own ancestors
        // instead of comparing itself with every route, so thousands of routes check in linear time.
        Map<String, List<Route>> openPrefixes = new HashMap<>();
        for (Route route : routes) {
            var settings = route.settings();
            if (settings.match() == MatchKind.PREFIX && settings.auth().isEmpty()) {
                openPrefixes.computeIfAbsent(asciiLowerCase(settings.path()), p -> new ArrayList<>()).add(route);
            }
        }
        if (openPrefixes.isEmpty()) {
            return warnings;
        }
        Map<Route, Integer> order = new HashMap<>();
        for (int i = 0; i < routes.size(); i++) {
            order.put(routes.get(i), i);
        }
        for (Route exactRoute : routes) {
            if (!mayBeShadowed(exactRoute)) {
                continue;
            }
            var settings = exactRoute.settings();
            PathMatching matching = settings.pathMatching();
            List<Route> covering = new ArrayList<>();
            for (String ancestor : ancestors(asciiLowerCase(settings.path()))) {
                covering.addAll(openPrefixes.getOrDefault(ancestor, List.of()));
            }
            covering.sort(Comparator.comparingInt(order::get));
            for (Route prefixRoute : covering) {
                var prefix = prefixRoute.settings();
                if (prefix.host().isPresent() && !prefix.host().equals(settings.host())) {
                    continue;
                }
                List<String> variants = new ArrayList<>(2);
                if (!matching.trailingSlashEquivalent()) {
                    variants.add(settings.path() + "/");
                }
                if (!matching.caseInsensitive()) {
                    variants.add(settings.path().toUpperCase(java.util.Locale.ROOT));
                }
                warnings.add("route \"" + settings.name() + "\" (exact " + settings.path() + ", with auth) does not match "
                    + String.join(" or ", variants) + ": those reach route \"" + prefix.name() + "\" (prefix " + prefix.path()
                    + ", without auth). Set trailing-slash-equivalent and case-insensitive on \"" + settings.name()
                    + "\", or make it a prefix route");
            }
        }
        return warnings;
    }

    /** An exact route with auth that some request variants (a trailing slash, another case) do not match. */
    private static boolean mayBeShadowed(Route route) {
        var settings = route.settings();
        PathMatching matching = settings.pathMatching();
        return settings.match() == MatchKind.EXACT && settings.auth().isPresent() && !settings.path().equals("/")
            && !(matching.caseInsensitive() && matching.trailingSlashEquivalent());
    }

    /** The paths a prefix route may have to match {@code path}: {@code /}, each segment boundary and the path itself. */
    private static List<String> ancestors(String path) {
        List<String> ancestors = new ArrayList<>();
        ancestors.add("/");
        for (int i = 1; i < path.length(); i++) {
            if (path.charAt(i) == '/') {
                ancestors.add(path.substring(0, i));
            }
        }
        ancestors.add(path);
        return ancestors;
    }

    /** Lower-cases ASCII letters only, so that the length and every offset stay those of the request path. */
    static String asciiLowerCase(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                char[] chars = path.toCharArray();
                for (int j = i; j < chars.length; j++) {
                    if (chars[j] >= 'A' && chars[j] <= 'Z') {
                        chars[j] = (char) (chars[j] + ('a' - 'A'));
                    }
                }
                return new String(chars);
            }
        }
        return path;
    }

    /** Every route, in config order. */
    public List<Route> routes() {
        return routes;
    }

    /**
     * The route for a request, or {@code null} when none matches path, host and method.
     *
     * @param path the decoded, normalized request path starting with {@code /}
     */
    public Route find(String method, String host, String path) {
        Route[] candidates = exact.get(path);
        if (candidates != null) {
            Route route = firstMatch(candidates, method, host);
            if (route != null) {
                return route;
            }
        }
        if (lenientExact.length > 0) {
            Route route = lenientExactMatch(path, method, host);
            if (route != null) {
                return route;
            }
        }
        Route prefix = root.find(path, 1, method, host);
        if (foldedRoot != null) {
            Route folded = foldedRoot.find(asciiLowerCase(path), 1, method, host);
            // Longest prefix wins across both tries, as within one.
            if (folded != null && (prefix == null || folded.settings().path().length() > prefix.settings().path().length())) {
                return folded;
            }
        }
        return prefix;
    }

    /** Whether some route matches path and host but not the method: a 405 rather than a 404. */
    public boolean matchesPathWithOtherMethod(String host, String path) {
        return find(null, host, path) != null;
    }

    private Route lenientExactMatch(String path, String method, String host) {
        boolean trailingSlash = path.length() > 1 && path.charAt(path.length() - 1) == '/';
        for (Route route : lenientExact) {
            PathMatching matching = route.settings().pathMatching();
            String candidate = trailingSlash && matching.trailingSlashEquivalent() ? path.substring(0, path.length() - 1) : path;
            String routePath = route.settings().path();
            boolean same = matching.caseInsensitive() ? asciiLowerCase(candidate).equals(asciiLowerCase(routePath)) : candidate.equals(routePath);
            if (same && route.matchesHost(host) && (method == null || route.allowsMethod(method))) {
                return route;
            }
        }
        return null;
    }

    /** With {@code method == null} any method matches. */
    private static Route firstMatch(Route[] candidates, String method, String host) {
        for (Route route : candidates) {
            if (route.matchesHost(host) && (method == null || route.allowsMethod(method))) {
                return route;
            }
        }
        return null;
    }

    private static List<String> segments(String path) {
        List<String> segments = new ArrayList<>();
        if (path.equals("/")) {
            return segments;
        }
        for (String segment : path.substring(1).split("/", -1)) {
            segments.add(segment);
        }
        return segments;
    }

    private static Route[] ordered(List<Route> routes) {
        List<Route> copy = new ArrayList<>(routes);
        copy.sort(Comparator.comparing(route -> !route.hasHost()));
        return copy.toArray(NONE);
    }

    private static final class MutableNode {
        final Map<String, MutableNode> children = new LinkedHashMap<>();
        final List<Route> routes = new ArrayList<>();

        Node freeze() {
            if (children.isEmpty()) {
                // Most nodes of a large table are leaves: they share their empty arrays.
                return new Node(NO_NAMES, NO_NODES, ordered(routes));
            }
            String[] names = children.keySet().toArray(String[]::new);
            Node[] nodes = new Node[names.length];
            for (int i = 0; i < names.length; i++) {
                nodes[i] = children.get(names[i]).freeze();
            }
            return new Node(names, nodes, ordered(routes));
        }
    }

    private static final String[] NO_NAMES = new String[0];
    private static final Node[] NO_NODES = new Node[0];

    private static final class Node {
        private final String[] names;
        private final Node[] children;
        private final Map<String, Node> index;
        private final Route[] routes;

        Node(String[] names, Node[] children, Route[] routes) {
            this.names = names;
            this.children = children;
            this.routes = routes;
            if (names.length > LINEAR_CHILDREN) {
                Map<String, Node> map = new HashMap<>();
                for (int i = 0; i < names.length; i++) {
                    map.put(names[i], children[i]);
                }
                this.index = Map.copyOf(map);
            } else {
                this.index = null;
            }
        }

        /** Searches the deepest matching node first, then this one: longest prefix wins. */
        Route find(String path, int start, String method, String host) {
            if (start <= path.length() && children.length > 0) {
                int end = path.indexOf('/', start);
                if (end < 0) {
                    end = path.length();
                }
                Node child = child(path, start, end);
                if (child != null) {
                    Route route = child.find(path, end + 1, method, host);
                    if (route != null) {
                        return route;
                    }
                }
            }
            return routes.length == 0 ? null : firstMatch(routes, method, host);
        }

        private Node child(String path, int start, int end) {
            int length = end - start;
            if (index != null) {
                return index.get(path.substring(start, end));
            }
            for (int i = 0; i < names.length; i++) {
                String name = names[i];
                if (name.length() == length && path.regionMatches(start, name, 0, length)) {
                    return children[i];
                }
            }
            return null;
        }
    }
}
