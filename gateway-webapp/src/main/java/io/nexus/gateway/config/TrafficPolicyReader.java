package io.nexus.gateway.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.nexus.gateway.config.TrafficPolicy.Cors;
import io.nexus.gateway.config.TrafficPolicy.HeaderEdits;
import io.nexus.gateway.config.TrafficPolicy.MatchHeader;
import io.nexus.gateway.config.TrafficPolicy.Rewrite;
import io.nexus.gateway.config.TrafficPolicy.SplitWay;
import io.nexus.gateway.config.TrafficPolicy.Sticky;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a route's traffic policies ({@code headers}, {@code rewrite}, {@code cors}) and adds the
 * middlewares they need to the route's list.
 */
final class TrafficPolicyReader {

    // RFC 9110 §5.1 token characters.
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");
    private static final Pattern TEMPLATE = Pattern.compile("\\$\\{([^}]*)}");
    /** What a header edit may name in a value. */
    static final Set<String> VARIABLES = Set.of("request_id", "client_ip", "route");
    /**
     * Framing, hop-by-hop and the gateway's own headers: an edit of one would break the message
     * or the contract (every response carries the gateway's X-Request-Id).
     */
    private static final Set<String> RESERVED = Set.of("host", "content-length", "transfer-encoding", "connection", "keep-alive",
        "upgrade", "te", "trailer", "proxy-connection", "x-request-id");
    private static final Pattern GROUP = Pattern.compile("\\$(\\d+)|\\$\\{([A-Za-z][A-Za-z0-9]*)}");
    private static final Pattern ORIGIN = Pattern.compile("https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\\d{1,5})?");

    private static final long MAX_MIRROR_BODY = 16L << 20;

    private TrafficPolicyReader() {
    }

    /**
     * @param methods the route's methods, to which a {@code cors} block adds {@code OPTIONS}
     *     (preflights) when they are listed without it
     */
    static TrafficPolicy read(Section route, List<String> middlewares, Set<String> methods, Set<String> upstreams) {
        HeaderEdits.Both headers = headers(route);
        Optional<Rewrite> rewrite = rewrite(route, middlewares);
        Optional<Cors> cors = cors(route, middlewares, methods);
        List<SplitWay> split = split(route, upstreams);
        Optional<Sticky> sticky = sticky(route, split);
        return new TrafficPolicy(headers, rewrite, cors, split, sticky, mirror(route, upstreams));
    }

    private static Optional<TrafficPolicy.Mirror> mirror(Section route, Set<String> upstreams) {
        if (!route.has("mirror")) {
            return Optional.empty();
        }
        Section s = route.section("mirror", ReferenceConfig.blockDefaults("route.mirror"));
        String upstream = s.nonBlankString("upstream");
        if (upstream != null && !upstreams.contains(upstream)) {
            s.problem("upstream", "unknown upstream \"" + upstream + "\"");
            upstream = null;
        }
        double percent = s.doubleBetween("percent", 0, 100);
        long maxBody = s.bytes("max-body", 0);
        if (maxBody > MAX_MIRROR_BODY) {
            s.problem("max-body", "must be at most 16MiB (each copy in flight holds its body), was " + maxBody);
        }
        int maxInFlight = s.intBetween("max-in-flight", 1, 10_000);
        return upstream == null ? Optional.empty() : Optional.of(new TrafficPolicy.Mirror(upstream, percent, maxBody, maxInFlight));
    }

    /** A route's {@code split}: known upstreams, each once, weights that add up to something. */
    private static List<SplitWay> split(Section route, Set<String> upstreams) {
        if (!route.has("split")) {
            return List.of();
        }
        List<SplitWay> ways = new ArrayList<>();
        List<ConfigValue> values = route.list("split");
        Set<String> seen = new HashSet<>();
        long total = 0;
        for (int i = 0; i < values.size(); i++) {
            if (!(values.get(i) instanceof ConfigObject object)) {
                route.problem("split", "split[" + i + "] must be an object { upstream = \"...\", weight = N }");
                continue;
            }
            Section s = route.element("split", i, object);
            String upstream = s.nonBlankString("upstream");
            int weight = s.has("weight") ? s.intBetween("weight", 0, 1_000_000) : 1;
            Optional<MatchHeader> match = Optional.empty();
            if (s.has("match-header")) {
                Section m = s.section("match-header");
                String name = m.nonBlankString("name");
                String value = m.string("value");
                if (name != null && !TOKEN.matcher(name).matches()) {
                    m.problem("name", "bad header name \"" + name + "\"");
                }
                if (name != null && value != null) {
                    match = Optional.of(new MatchHeader(name, value));
                }
            }
            s.finish();
            if (upstream != null && !upstreams.contains(upstream)) {
                s.problem("upstream", "unknown upstream \"" + upstream + "\"");
            } else if (upstream != null && !seen.add(upstream)) {
                s.problem("upstream", "upstream \"" + upstream + "\" is already a side of this split");
            } else if (upstream != null) {
                ways.add(new SplitWay(upstream, weight, match));
                total += weight;
            }
        }
        if (values.isEmpty()) {
            route.problem("split", "must list at least one upstream");
        } else if (total == 0 && ways.size() == values.size()) {
            route.problem("split", "the weights add up to 0: give at least one side a weight");
        }
        return ways;
    }

    private static Optional<Sticky> sticky(Section route, List<SplitWay> split) {
        if (!route.has("split-sticky")) {
            return Optional.empty();
        }
        Section s = route.section("split-sticky");
        Optional<String> header = s.optionalString("header");
        Optional<String> cookie = s.optionalString("cookie");
        if (header.isPresent() == cookie.isPresent()) {
            route.problem("split-sticky", "set either header or cookie");
            return Optional.empty();
        }
        if (header.isPresent() && !TOKEN.matcher(header.get()).matches()) {
            s.problem("header", "bad header name \"" + header.get() + "\"");
        }
        if (cookie.isPresent() && !TOKEN.matcher(cookie.get()).matches()) {
            s.problem("cookie", "bad cookie name \"" + cookie.get() + "\"");
        }
        if (split.isEmpty()) {
            route.problem("split-sticky", "needs the route's split");
        }
        return Optional.of(new Sticky(header, cookie));
    }

    private static HeaderEdits.Both headers(Section route) {
        if (!route.has("headers")) {
            return HeaderEdits.Both.NONE;
        }
        Section s = route.section("headers", ReferenceConfig.blockDefaults("route.headers"));
        return new HeaderEdits.Both(edits(s.section("request", ReferenceConfig.blockDefaults("route.headers.request"))),
            edits(s.section("response", ReferenceConfig.blockDefaults("route.headers.response"))));
    }

    private static HeaderEdits edits(Section s) {
        List<String> remove = new ArrayList<>();
        for (String name : s.stringList("remove")) {
            if (checkName(s, "remove", name)) {
                remove.add(name);
            }
        }
        return new HeaderEdits(values(s, "set"), values(s, "add"), remove);
    }

    private static Map<String, String> values(Section parent, String key) {
        Section s = parent.section(key);
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> entry : s.object().entrySet()) {
            String name = entry.getKey();
            s.accept(name);
            if (entry.getValue().valueType() == ConfigValueType.OBJECT || entry.getValue().valueType() == ConfigValueType.LIST
                || entry.getValue().valueType() == ConfigValueType.NULL) {
                s.problem(name, "must be a string value");
                continue;
            }
            String value = String.valueOf(entry.getValue().unwrapped());
            if (checkName(s, name, name) && checkValue(s, name, value)) {
                values.put(name, value);
            }
        }
        return values;
    }

    private static boolean checkName(Section s, String key, String name) {
        if (!TOKEN.matcher(name).matches()) {
            s.problem(key, "bad header name \"" + name + "\"");
            return false;
        }
        if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
            s.problem(key, "header " + name + " cannot be edited (framing, hop-by-hop or the gateway's own)");
            return false;
        }
        return true;
    }

    private static boolean checkValue(Section s, String key, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                s.problem(key, "header value must not contain control characters");
                return false;
            }
        }
        Matcher variable = TEMPLATE.matcher(value);
        while (variable.find()) {
            if (!VARIABLES.contains(variable.group(1))) {
                s.problem(key, "unknown variable ${" + variable.group(1) + "} (known: ${client_ip}, ${request_id}, ${route})");
                return false;
            }
        }
        return true;
    }

    /**
     * A rewrite that compiles, whose groups exist, and whose replacement is a canonical path
     * whatever the groups hold; what the groups bring is checked per request (400 rewrite_refused).
     */
    private static Optional<Rewrite> rewrite(Section route, List<String> middlewares) {
        if (!route.has("rewrite")) {
            if (middlewares.contains(TrafficPolicy.REWRITE)) {
                route.problem("middlewares", "rewrite needs the route's rewrite block");
            }
            return Optional.empty();
        }
        Section s = route.section("rewrite");
        String regex = s.nonBlankString("regex");
        String replacement = s.nonBlankString("replacement");
        if (regex == null || replacement == null) {
            return Optional.empty();
        }
        Pattern pattern;
        try {
            pattern = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            s.problem("regex", "invalid regex: " + e.getDescription() + " near index " + e.getIndex());
            return Optional.empty();
        }
        Matcher group = GROUP.matcher(replacement);
        StringBuilder literal = new StringBuilder();
        int last = 0;
        while (group.find()) {
            if (group.group(1) != null && Integer.parseInt(group.group(1)) > pattern.matcher("").groupCount()) {
                s.problem("replacement", "refers to group $" + group.group(1) + " but regex has " + pattern.matcher("").groupCount());
                return Optional.empty();
            }
            if (group.group(2) != null && !pattern.pattern().contains("(?<" + group.group(2) + ">")) {
                s.problem("replacement", "refers to the unknown named group ${" + group.group(2) + "}");
                return Optional.empty();
            }
            literal.append(replacement, last, group.start()).append('x');
            last = group.end();
        }
        literal.append(replacement.substring(last));
        String refusal = CanonicalPath.refusal(literal.toString());
        if (refusal != null || replacement.indexOf('\\') >= 0) {
            s.problem("replacement", "must be a canonical absolute path such as /v2/$1 (" + (refusal != null ? refusal : "a backslash") + ")");
            return Optional.empty();
        }
        if (!middlewares.contains(TrafficPolicy.REWRITE)) {
            middlewares.add(TrafficPolicy.REWRITE);
        }
        return Optional.of(new Rewrite(regex, replacement));
    }

    private static Optional<Cors> cors(Section route, List<String> middlewares, Set<String> routeMethods) {
        if (!route.has("cors")) {
            if (middlewares.contains(TrafficPolicy.CORS)) {
                route.problem("middlewares", "cors needs the route's cors block");
            }
            return Optional.empty();
        }
        Section s = route.section("cors", ReferenceConfig.blockDefaults("route.cors"));
        List<String> origins = new ArrayList<>();
        for (String origin : s.stringList("allowed-origins")) {
            String lower = origin.toLowerCase(Locale.ROOT);
            if (!lower.equals("*") && !isOrigin(lower)) {
                s.problem("allowed-origins", "bad origin \"" + origin + "\" (scheme://host[:port] without a path, or *)");
            }
            origins.add(lower);
        }
        if (origins.isEmpty()) {
            s.problem("allowed-origins", "must list at least one origin (or *)");
        }
        boolean credentials = s.bool("allow-credentials");
        if (credentials && origins.contains("*")) {
            s.problem("allowed-origins", "* cannot be used with allow-credentials = true (the Fetch standard forbids it); list the origins");
        }
        if (origins.contains("*") && origins.size() > 1) {
            s.problem("allowed-origins", "* must be the only origin");
        }
        List<String> methods = new ArrayList<>();
        for (String method : s.stringList("allowed-methods")) {
            String upper = method.toUpperCase(Locale.ROOT);
            if (!TOKEN.matcher(upper).matches()) {
                s.problem("allowed-methods", "bad method \"" + method + "\"");
            }
            methods.add(upper);
        }
        List<String> allowedHeaders = tokens(s, "allowed-headers", true);
        if (credentials && allowedHeaders.contains("*")) {
            s.problem("allowed-headers", "* cannot be used with allow-credentials = true; list the headers");
        }
        List<String> exposed = tokens(s, "exposed-headers", false);
        Duration maxAge = s.duration("max-age", Duration.ZERO);
        if (!middlewares.contains(TrafficPolicy.CORS)) {
            middlewares.add(TrafficPolicy.CORS);
        }
        boolean optionsAdded = !routeMethods.isEmpty() && routeMethods.add("OPTIONS");
        return Optional.of(new Cors(origins, methods, allowedHeaders, exposed, credentials, maxAge, optionsAdded));
    }

    private static List<String> tokens(Section s, String key, boolean wildcard) {
        List<String> tokens = new ArrayList<>();
        for (String name : s.stringList(key)) {
            if (!(wildcard && name.equals("*")) && !TOKEN.matcher(name).matches()) {
                s.problem(key, "bad header name \"" + name + "\"");
            }
            tokens.add(name.toLowerCase(Locale.ROOT));
        }
        return tokens;
    }

    /** An origin as browsers send it: scheme, host and an optional port, nothing else (RFC 6454 §6.1). */
    private static boolean isOrigin(String origin) {
        if (!ORIGIN.matcher(origin).matches()) {
            return false;
        }
        try {
            URI uri = new URI(origin);
            return uri.getHost() != null && uri.getRawPath().isEmpty();
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
