package io.nexus.gateway.config;

import com.typesafe.config.ConfigValue;
import io.nexus.gateway.config.RouteSettings.MatchKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads one element of {@code nexus.routes}, already merged over {@code nexus.route-defaults},
 * with its optional blocks ({@code fault}, {@code retries}, {@code rate-limit}, {@code auth})
 * over their templates in reference.conf; and checks the route table for duplicate names and
 * conflicts.
 */
final class RouteSettingsReader {

    private static final Pattern METHOD = Pattern.compile("[A-Z]{1,20}");
    private static final Pattern HOST = Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?");
    private static final Duration MAX_FAULT_DELAY = Duration.ofMinutes(5);
    private static final Map<String, RouteSettings.Priority> PRIORITIES = Arrays.stream(RouteSettings.Priority.values())
        .collect(Collectors.toUnmodifiableMap(priority -> priority.name().toLowerCase(Locale.ROOT), priority -> priority));

    private RouteSettingsReader() {
    }

    /**
     * @param middlewares the names a route may list in {@code middlewares}
     * @param upstreams the names under {@code nexus.upstreams}
     * @param authProviders the valid entries of {@code nexus.auth}
     * @return the route, or {@code null} when a key it cannot do without is broken
     */
    static RouteSettings read(Section s, Set<String> middlewares, Set<String> upstreams, Map<String, AuthSettings> authProviders,
                              RedisSettings redis) {
        String name = s.nonBlankString("name");
        if (name != null && !Section.NAME.matcher(name).matches()) {
            s.problem("name", "route name must match " + Section.NAME.pattern());
        }
        String path = s.nonBlankString("path");
        if (path != null && (!path.startsWith("/") || path.contains("//") || path.contains("?") || path.contains("#")
            || path.contains("/./") || path.contains("/../") || path.endsWith("/.") || path.endsWith("/.."))) {
            s.problem("path", "must be a normalized absolute path such as /api/users, was \"" + path + "\"");
            path = null;
        }
        if (path != null && path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String matchName = s.string("match");
        MatchKind match = MatchKind.PREFIX;
        if ("exact".equals(matchName)) {
            match = MatchKind.EXACT;
        } else if (matchName != null && !matchName.equals("prefix")) {
            s.problem("match", "must be prefix or exact, was \"" + matchName + "\"");
        }
        // A split names its upstreams instead; its first side stands for the route's upstream.
        boolean split = s.has("split");
        if (split && s.has("upstream")) {
            s.problem("upstream", "a route with a split names its upstreams there, not in upstream");
        }
        String upstream = split ? null : s.nonBlankString("upstream");
        if (upstream != null && !upstreams.contains(upstream)) {
            s.problem("upstream", "unknown upstream \"" + upstream + "\"");
        }
        // No methods listed: every method.
        Set<String> methods = new LinkedHashSet<>();
        for (String method : s.optionalStringList("methods").orElse(List.of())) {
            String upper = method.toUpperCase(Locale.ROOT);
            if (!METHOD.matcher(upper).matches()) {
                s.problem("methods", "bad method \"" + method + "\"");
            }
            methods.add(upper);
        }
        Optional<String> host = s.optionalString("host").map(h -> h.toLowerCase(Locale.ROOT));
        if (host.isPresent() && !HOST.matcher(host.get()).matches()) {
            s.problem("host", "bad host \"" + host.get() + "\" (a name, or *.suffix)");
        }
        boolean stripPrefix = s.bool("strip-prefix");
        Optional<Duration> requestTimeout = s.optionalDuration("request-timeout", Duration.ofMillis(1));
        List<String> routeMiddlewares = new ArrayList<>();
        for (String middleware : s.stringList("middlewares")) {
            if (!middlewares.contains(middleware)) {
                s.problem("middlewares", "unknown middleware \"" + middleware + "\" (known: " + String.join(", ", new TreeSet<>(middlewares)) + ")");
            } else if (!routeMiddlewares.contains(middleware)) {
                routeMiddlewares.add(middleware);
            }
        }
        Optional<FaultSettings> fault = fault(s, routeMiddlewares);
        Optional<RetrySettings> retries = retries(s);
        Optional<AuthSettings> auth = AuthSettingsReader.routeAuth(s, authProviders);
        if (auth.isPresent() && !routeMiddlewares.contains(RouteSettings.AUTH)) {
            routeMiddlewares.add(RouteSettings.AUTH);
        } else if (!s.has("auth") && routeMiddlewares.contains(RouteSettings.AUTH)) {
            s.problem("middlewares", "the auth middleware runs what the route's auth key names; set auth instead");
        }
        Optional<RateLimitSettings> rateLimit = RateLimitSettingsReader.read(s, routeMiddlewares, redis);
        if (rateLimit.isPresent() && rateLimit.get().key() == RateLimitSettings.Key.SUBJECT && auth.isEmpty()) {
            s.problem("rate-limit", "key = subject needs the route's auth: the subject is the authenticated identity");
        }
        String earlyHints = s.string("early-hints");
        if (earlyHints != null && !earlyHints.equals("forward") && !earlyHints.equals("drop")) {
            s.problem("early-hints", "must be forward or drop, was \"" + earlyHints + "\"");
        }
        String buffering = s.string("response-buffering");
        if (buffering != null && !buffering.equals("auto") && !buffering.equals("off")) {
            s.problem("response-buffering", "must be auto or off, was \"" + buffering + "\"");
        }
        RouteSettings.ClientHeaderPolicy clientHeaders = clientHeaders(s);
        RouteSettings.PathMatching pathMatching = new RouteSettings.PathMatching(s.bool("case-insensitive"), s.bool("trailing-slash-equivalent"));
        RouteSettings.Priority priority = priority(s);
        Optional<String> group = group(s);
        WebSocketSettings webSocket = new WebSocketSettings(s.bool("websocket"), s.duration("websocket-idle-timeout", Duration.ofSeconds(1)),
            s.bytes("websocket-max-message-size", 125));
        boolean keepUpstreamServerHeader = s.bool("keep-upstream-server-header");
        TrafficPolicy traffic = TrafficPolicyReader.read(s, routeMiddlewares, methods, upstreams);
        if (split && !traffic.split().isEmpty()) {
            upstream = traffic.split().get(0).upstream();
        }
        if (name == null || path == null || upstream == null) {
            return null;
        }
        return new RouteSettings(name, path, match, upstream, stripPrefix, methods, host, requestTimeout, routeMiddlewares, fault, retries,
            rateLimit, auth, clientHeaders, pathMatching, !"drop".equals(earlyHints),
            "off".equals(buffering) ? RouteSettings.ResponseBuffering.OFF : RouteSettings.ResponseBuffering.AUTO, priority, group,
            webSocket, keepUpstreamServerHeader, traffic);
    }

    /** A metric label value: a name, like the route's own. */
    private static Optional<String> group(Section s) {
        Optional<String> group = s.optionalString("group");
        if (group.isPresent() && !Section.NAME.matcher(group.get()).matches()) {
            s.problem("group", "group must match " + Section.NAME.pattern());
            return Optional.empty();
        }
        return group;
    }

    private static RouteSettings.Priority priority(Section s) {
        String value = s.string("priority");
        RouteSettings.Priority priority = value == null ? null : PRIORITIES.get(value);
        if (priority != null) {
            return priority;
        }
        s.problem("priority", "must be high, normal or low, was \"" + value + "\"");
        return RouteSettings.Priority.NORMAL;
    }

    private static RouteSettings.ClientHeaderPolicy clientHeaders(Section s) {
        List<String> trusted = RateLimitSettingsReader.trustedProxies(s);
        List<String> hosts = new ArrayList<>();
        for (String host : s.stringList("forwarded-hosts")) {
            String lower = host.toLowerCase(Locale.ROOT);
            if (!HOST.matcher(lower).matches()) {
                s.problem("forwarded-hosts", "bad host \"" + host + "\" (a name, or *.suffix)");
            }
            hosts.add(lower);
        }
        return new RouteSettings.ClientHeaderPolicy(s.bool("forward-underscore-headers"), s.bool("trust-forwarding-headers"), trusted, hosts);
    }

    /**
     * A {@code fault} block adds the {@code fault} middleware; a route that lists the middleware
     * without a block gets the template's settings, which inject nothing.
     */
    private static Optional<FaultSettings> fault(Section route, List<String> middlewares) {
        boolean block = route.has("fault");
        if (!block && !middlewares.contains(RouteSettings.FAULT)) {
            return Optional.empty();
        }
        Section s = route.section("fault", ReferenceConfig.blockDefaults("route.fault"));
        if (block && !middlewares.contains(RouteSettings.FAULT)) {
            middlewares.add(RouteSettings.FAULT);
        }
        return Optional.of(new FaultSettings(
            s.intBetween("abort-status", 200, 599),
            s.doubleBetween("abort-percent", 0, 100),
            faultDelay(s),
            s.doubleBetween("delay-percent", 0, 100),
            s.bool("throw")));
    }

    /** A fault delay holds a request thread and the client: at most {@link #MAX_FAULT_DELAY}. */
    private static Duration faultDelay(Section s) {
        Duration delay = s.duration("delay", Duration.ZERO);
        if (delay.compareTo(MAX_FAULT_DELAY) > 0) {
            s.problem("delay", "must be at most 5m, was " + delay.toSeconds() + "s");
        }
        return delay;
    }

    /** A route's own {@code retries} block, which wins over its upstream's; empty when it has none. */
    private static Optional<RetrySettings> retries(Section route) {
        if (!route.has("retries")) {
            return Optional.empty();
        }
        return Optional.of(RetrySettingsReader.read(route.section("retries", ReferenceConfig.blockDefaults("route.retries"))));
    }

    /** Duplicate names, and routes no request could tell apart (same path, match, host and a shared method). */
    static void checkNamesAndConflicts(List<RouteSettings> routes, List<Integer> indexes, List<ConfigValue> values,
                                       List<ConfigProblem> problems) {
        Map<String, Integer> names = new HashMap<>();
        // Only routes with the same path, match and host can conflict: compare within those groups,
        // so that a table of thousands of routes is checked in linear time.
        Map<List<Object>, List<RouteSettings>> samePlace = new HashMap<>();
        for (int i = 0; i < routes.size(); i++) {
            RouteSettings route = routes.get(i);
            int index = indexes.get(i);
            Integer previous = names.putIfAbsent(route.name(), index);
            if (previous != null) {
                problems.add(ConfigProblem.at("routes[" + index + "].name",
                    "duplicate route name \"" + route.name() + "\" (also routes[" + previous + "])", values.get(index).origin()));
            }
            List<RouteSettings> earlier = samePlace.computeIfAbsent(List.of(route.path(), route.match(), route.host()), key -> new ArrayList<>());
            for (RouteSettings other : earlier) {
                if (conflict(route, other)) {
                    problems.add(ConfigProblem.at("routes[" + index + "]",
                        "conflicts with route \"" + other.name() + "\": same path, match, host and methods", values.get(index).origin()));
                }
            }
            earlier.add(route);
        }
    }

    /** Two routes at the same path, match and host conflict unless their methods are disjoint. */
    private static boolean conflict(RouteSettings a, RouteSettings b) {
        if (a.methods().isEmpty() || b.methods().isEmpty()) {
            return true;
        }
        return a.methods().stream().anyMatch(b.methods()::contains);
    }
}
