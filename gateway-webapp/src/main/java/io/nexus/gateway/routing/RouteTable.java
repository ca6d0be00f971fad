package io.nexus.gateway.routing;

import io.nexus.gateway.config.RouteSettings.MatchKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable route table: an exact-path hash map first, then a trie of path segments for
 * prefix routes, searched from the longest matching prefix down. Built once per config and
 * shared by every request without locks.
 *
 * <p>A prefix route for {@code /api} matches {@code /api} and {@code /api/...} but not
 * {@code /apix}: prefixes end at a segment boundary.
 */
public final class RouteTable {

    private static final Route[] NONE = new Route[0];
    // Below this many children a linear regionMatches scan beats hashing a substring.
    private static final int LINEAR_CHILDREN = 8;

    private final Map<String, Route[]> exact;
    private final Node root;
    private final List<Route> routes;

    private RouteTable(Map<String, Route[]> exact, Node root, List<Route> routes) {
        this.exact = exact;
        this.root = root;
        this.routes = routes;
    }

    /** Builds a table; routes with a host come before routes without, otherwise config order. */
    public static RouteTable of(List<Route> routes) {
        Map<String, List<Route>> exact = new HashMap<>();
        MutableNode root = new MutableNode();
        for (Route route : routes) {
            String path = route.settings().path();
            if (route.settings().match() == MatchKind.EXACT) {
                exact.computeIfAbsent(path, p -> new ArrayList<>()).add(route);
            } else {
                MutableNode node = root;
                for (String segment : segments(path)) {
                    node = node.children.computeIfAbsent(segment, s -> new MutableNode());
                }
                node.routes.add(route);
            }
        }
        Map<String, Route[]> frozenExact = new HashMap<>();
        exact.forEach((path, list) -> frozenExact.put(path, ordered(list)));
        return new RouteTable(Map.copyOf(frozenExact), root.freeze(), List.copyOf(routes));
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
        return root.find(path, 1, method, host);
    }

    /** Whether some route matches path and host but not the method: a 405 rather than a 404. */
    public boolean matchesPathWithOtherMethod(String host, String path) {
        Route[] candidates = exact.get(path);
        if (candidates != null && firstMatch(candidates, null, host) != null) {
            return true;
        }
        return root.find(path, 1, null, host) != null;
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
            String[] names = children.keySet().toArray(String[]::new);
            Node[] nodes = new Node[names.length];
            for (int i = 0; i < names.length; i++) {
                nodes[i] = children.get(names[i]).freeze();
            }
            return new Node(names, nodes, ordered(routes));
        }
    }

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
