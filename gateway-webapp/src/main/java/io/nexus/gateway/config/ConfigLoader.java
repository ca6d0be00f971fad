package io.nexus.gateway.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.nexus.gateway.config.RouteSettings.MatchKind;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses a HOCON file into a {@link GatewayConfig}: syntax, types, ranges, unknown keys,
 * dangling references, duplicate names and conflicting routes are all checked before anything
 * is built, and every problem names its key, file and line.
 */
public final class ConfigLoader {

    /** Overrides {@code nexus.server.port}, also over the file. */
    public static final String PORT_VARIABLE = "NEXUS_PORT";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern METHOD = Pattern.compile("[A-Z]{1,20}");
    private static final Pattern HOST = Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?");
    /** Middlewares every gateway knows; a registry may add more. */
    public static final Set<String> BUILT_IN_MIDDLEWARES = Set.of("fault", "rate-limit", "auth");

    private final Map<String, String> environment;
    private final Set<String> middlewares;

    /**
     * @param environment where {@code ${?VAR}} and {@value #PORT_VARIABLE} are looked up
     * @param middlewares the names routes may list in {@code middlewares}
     */
    public ConfigLoader(Map<String, String> environment, Set<String> middlewares) {
        this.environment = Map.copyOf(environment);
        this.middlewares = Set.copyOf(middlewares);
    }

    /** Loads a file, with {@code ${?VAR}} and {@value #PORT_VARIABLE} taken from the process environment. */
    public static GatewayConfig load(Path file) throws InvalidConfigException {
        return load(file, System.getenv());
    }

    /** Loads a file, with environment variables taken from {@code environment}. */
    public static GatewayConfig load(Path file, Map<String, String> environment) throws InvalidConfigException {
        return new ConfigLoader(environment, BUILT_IN_MIDDLEWARES).load(file, file.toString());
    }

    /** Parses HOCON text; {@code sourceName} stands for the file in errors. */
    public static GatewayConfig parse(String text, String sourceName, Map<String, String> environment) throws InvalidConfigException {
        return new ConfigLoader(environment, BUILT_IN_MIDDLEWARES).parse(text, sourceName);
    }

    /** Reads and parses a file; {@code sourceName} names it in the config's {@code source}. */
    public GatewayConfig load(Path file, String sourceName) throws InvalidConfigException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidConfigException(List.of(new ConfigProblem("nexus", "config file not found or not a regular file", file.toString(), -1)));
        }
        ConfigParseOptions options = ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false);
        return build(sourceName, () -> ConfigFactory.parseFile(file.toFile(), options));
    }

    /** Parses HOCON text; {@code sourceName} stands for the file in errors. */
    public GatewayConfig parse(String text, String sourceName) throws InvalidConfigException {
        ConfigParseOptions options = ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setOriginDescription(sourceName);
        return build(sourceName, () -> ConfigFactory.parseString(text, options));
    }

    private interface Parser {
        Config parse();
    }

    private GatewayConfig build(String sourceName, Parser parser) throws InvalidConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        Config resolved;
        Config file;
        try {
            file = parser.parse();
            Config reference = ConfigFactory.parseResourcesAnySyntax(ConfigLoader.class.getClassLoader(), "reference.conf");
            Config merged = portOverride().withFallback(file).withFallback(reference);
            // Environment variables sit beside the nexus root, where ${?VAR} finds them; only the
            // nexus subtree is read afterwards.
            resolved = merged.withFallback(environmentConfig())
                .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
        } catch (ConfigException e) {
            throw new InvalidConfigException(List.of(ConfigProblem.at("nexus", Section.describe(e), e.origin())));
        }

        for (String key : file.root().keySet()) {
            if (!key.equals("nexus")) {
                problems.add(ConfigProblem.at(key, "unknown key (every setting lives under nexus)", file.root().get(key).origin()));
            }
        }
        Section nexus = new Section(resolved.root().get("nexus") instanceof ConfigObject o ? o : ConfigFactory.empty().root(), "", problems);
        GatewayConfig config = read(sourceName, nexus, problems, Redaction.render(nexus.object()));
        nexus.finish();
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return config;
    }

    private GatewayConfig read(String sourceName, Section nexus, List<ConfigProblem> problems, String redacted) {
        ServerSettings server = server(nexus.section("server"));
        AdminSettings admin = admin(nexus.section("admin"));
        ConfigSettings configSettings = configSettings(nexus.section("config"));
        DemoSettings demo = demo(nexus.section("demo"));
        SecuritySettings security = SecurityConfigReader.read(nexus, problems);

        ConfigObject upstreamDefaults = nexus.section("upstream-defaults").object();
        Map<String, UpstreamSettings> upstreams = new LinkedHashMap<>();
        Section upstreamSection = nexus.section("upstreams");
        for (Map.Entry<String, ConfigValue> entry : upstreamSection.object().entrySet()) {
            String name = entry.getKey();
            upstreamSection.accept(name);
            String label = upstreamSection.keyPath(name);
            if (!(entry.getValue() instanceof ConfigObject object)) {
                upstreamSection.problem(name, "must be an object with targets");
                continue;
            }
            if (!NAME.matcher(name).matches()) {
                upstreamSection.problem(name, "upstream name must match " + NAME.pattern());
            }
            Section section = new Section(object.withFallback(upstreamDefaults), label, problems);
            upstreams.put(name, upstream(name, section));
            section.finish();
        }

        ConfigObject routeDefaults = nexus.section("route-defaults").object();
        List<RouteSettings> routes = new ArrayList<>();
        List<Integer> routeIndexes = new ArrayList<>();
        List<ConfigValue> routeValues = nexus.list("routes");
        for (int i = 0; i < routeValues.size(); i++) {
            String label = "routes[" + i + "]";
            ConfigValue value = routeValues.get(i);
            if (!(value instanceof ConfigObject object)) {
                problems.add(ConfigProblem.at(label, "must be an object", value.origin()));
                continue;
            }
            Section section = new Section(object.withFallback(routeDefaults), label, problems);
            RouteSettings route = route(section, upstreams.keySet(), security.auth());
            section.finish();
            if (route != null) {
                routes.add(route);
                routeIndexes.add(i);
            }
        }
        checkRouteNamesAndConflicts(routes, routeIndexes, routeValues, problems);
        ObservabilitySettings observability = ObservabilitySettings.read(nexus.section("observability"));
        return new GatewayConfig(sourceName, server, admin, configSettings, upstreams, routes, demo, redacted, observability, security);
    }

    private static ServerSettings server(Section s) {
        Section shutdown = s.section("shutdown");
        SecurityConfigReader.SERVER_KEYS.forEach(s::accept);
        ServerSettings settings = new ServerSettings(
            s.requiredString("host"),
            s.intBetween("port", 0, 65535, 8080),
            s.intBetween("max-concurrent-requests", 1, 1_000_000, 10_000),
            s.duration("queue-timeout", Duration.ZERO, Duration.ZERO),
            s.bytes("max-request-body", 0, 10L << 20),
            s.bool("virtual-threads", true),
            shutdown.duration("drain-delay", Duration.ZERO, Duration.ofSeconds(5)),
            shutdown.duration("timeout", Duration.ZERO, Duration.ofSeconds(30)));
        shutdown.finish();
        s.finish();
        return settings;
    }

    private static AdminSettings admin(Section s) {
        Optional<String> token = s.optionalString("token").filter(t -> !t.isEmpty());
        token.ifPresent(t -> {
            if (t.length() < 16) {
                s.problem("token", "must be at least 16 characters long");
            }
        });
        AdminSettings settings = new AdminSettings(s.requiredString("host"), s.intBetween("port", 0, 65535, 9090), token);
        s.finish();
        return settings;
    }

    private static ConfigSettings configSettings(Section s) {
        ConfigSettings settings = new ConfigSettings(s.bool("watch", true),
            s.duration("poll-interval", Duration.ofMillis(100), Duration.ofSeconds(1)),
            s.intBetween("max-history", 1, 1000, 20));
        s.finish();
        return settings;
    }

    private static DemoSettings demo(Section s) {
        DemoSettings settings = new DemoSettings(s.bool("enabled", false), s.requiredString("host"), s.intBetween("port", 0, 65535, 9000));
        s.finish();
        return settings;
    }

    private static UpstreamSettings upstream(String name, Section s) {
        List<TargetSettings> targets = new ArrayList<>();
        List<ConfigValue> values = s.list("targets");
        if (values.isEmpty() && s.has("targets")) {
            s.problem("targets", "needs at least one target");
        } else if (!s.has("targets")) {
            s.problem("targets", "is required");
        }
        for (int i = 0; i < values.size(); i++) {
            TargetSettings target = target(s, i, values.get(i));
            if (target != null) {
                targets.add(target);
            }
        }
        String balancerName = s.string("balancer", "round-robin");
        BalancerKind balancer = BalancerKind.fromConfigName(balancerName);
        if (balancer == null) {
            s.problem("balancer", "unknown balancer \"" + balancerName + "\" (round-robin, random, weighted-round-robin)");
            balancer = BalancerKind.ROUND_ROBIN;
        }
        return new UpstreamSettings(name, targets, balancer,
            s.duration("connect-timeout", Duration.ofMillis(1), Duration.ofSeconds(2)),
            s.duration("idle-timeout", Duration.ofMillis(1), Duration.ofSeconds(60)),
            s.duration("request-timeout", Duration.ofMillis(1), Duration.ofSeconds(30)),
            s.intBetween("max-connections-per-target", 1, 100_000, 200),
            s.intBetween("max-idle-connections-per-target", 0, 100_000, 100),
            ResilienceSettingsReader.healthCheck(s),
            ResilienceSettingsReader.circuitBreaker(s));
    }

    private static TargetSettings target(Section upstream, int index, ConfigValue value) {
        String label = upstream.keyPath("targets[" + index + "]");
        List<ConfigProblem> problems = new ArrayList<>();
        String url;
        int weight = 1;
        if (value.valueType() == ConfigValueType.STRING) {
            url = (String) value.unwrapped();
        } else if (value instanceof ConfigObject object) {
            Section target = new Section(object, label, problems);
            url = target.requiredString("url");
            weight = target.intBetween("weight", 1, 1000, 1);
            target.finish();
        } else {
            problems.add(ConfigProblem.at(label, "must be a URL string or { url = ..., weight = ... }", value.origin()));
            url = null;
        }
        URI uri = url == null ? null : targetUri(url);
        if (url != null && uri == null) {
            problems.add(ConfigProblem.at(label, "bad URL \"" + url + "\": needs http:// or https://, a host, and no query or fragment", value.origin()));
        }
        if (!problems.isEmpty()) {
            problems.forEach(p -> upstream.problem("targets", p.key().substring(upstream.label().length() + 1) + ": " + p.message()));
            return null;
        }
        return new TargetSettings(uri, weight);
    }

    private static URI targetUri(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            boolean ok = (scheme.equals("http") || scheme.equals("https"))
                && uri.getHost() != null && uri.getRawQuery() == null && uri.getRawFragment() == null
                && uri.getRawUserInfo() == null;
            if (!ok) {
                return null;
            }
            String path = uri.getRawPath() == null || uri.getRawPath().equals("/") ? "" : uri.getRawPath();
            if (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            return new URI(scheme + "://" + uri.getRawAuthority() + path);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private RouteSettings route(Section s, Set<String> upstreams, Map<String, AuthSettings> authProviders) {
        String name = s.requiredString("name");
        if (name != null && !NAME.matcher(name).matches()) {
            s.problem("name", "route name must match " + NAME.pattern());
        }
        String path = s.requiredString("path");
        if (path != null && (!path.startsWith("/") || path.contains("//") || path.contains("?") || path.contains("#")
            || path.contains("/./") || path.contains("/../") || path.endsWith("/.") || path.endsWith("/.."))) {
            s.problem("path", "must be a normalized absolute path such as /api/users, was \"" + path + "\"");
            path = null;
        }
        if (path != null && path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String matchName = s.string("match", "prefix");
        MatchKind match = switch (matchName) {
            case "prefix" -> MatchKind.PREFIX;
            case "exact" -> MatchKind.EXACT;
            default -> {
                s.problem("match", "must be prefix or exact, was \"" + matchName + "\"");
                yield MatchKind.PREFIX;
            }
        };
        String upstream = s.requiredString("upstream");
        if (upstream != null && !upstreams.contains(upstream)) {
            s.problem("upstream", "unknown upstream \"" + upstream + "\"");
        }
        Set<String> methods = new LinkedHashSet<>();
        for (String method : s.stringList("methods")) {
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
        boolean stripPrefix = s.bool("strip-prefix", false);
        Optional<Duration> requestTimeout = s.optionalDuration("request-timeout", Duration.ofMillis(1));
        List<String> routeMiddlewares = new ArrayList<>();
        for (String middleware : s.stringList("middlewares")) {
            if (!middlewares.contains(middleware)) {
                s.problem("middlewares", "unknown middleware \"" + middleware + "\" (known: " + String.join(", ", new java.util.TreeSet<>(middlewares)) + ")");
            } else if (!routeMiddlewares.contains(middleware)) {
                routeMiddlewares.add(middleware);
            }
        }
        Optional<FaultSettings> fault = Optional.empty();
        if (s.has("fault")) {
            Section faultSection = s.section("fault");
            fault = Optional.of(fault(faultSection));
            faultSection.finish();
            if (!routeMiddlewares.contains("fault")) {
                routeMiddlewares.add("fault");
            }
        }
        Optional<RetrySettings> retries = ResilienceSettingsReader.retries(s);
        Optional<AuthSettings> auth = SecurityConfigReader.routeAuth(s, authProviders);
        if (auth.isPresent() && !routeMiddlewares.contains("auth")) {
            routeMiddlewares.add("auth");
        } else if (!s.has("auth") && routeMiddlewares.contains("auth")) {
            s.problem("middlewares", "the auth middleware runs what the route's auth key names; set auth instead");
        }
        Optional<RateLimitSettings> rateLimit = RateLimitConfig.forRoute(s, routeMiddlewares);
        if (rateLimit.isPresent() && rateLimit.get().key() == RateLimitSettings.Key.SUBJECT && auth.isEmpty()) {
            s.problem("rate-limit", "key = subject needs the route's auth: the subject is the authenticated identity");
        }
        if (name == null || path == null || upstream == null) {
            return null;
        }
        return new RouteSettings(name, path, match, upstream, stripPrefix, methods, host, requestTimeout, routeMiddlewares, fault, retries,
            rateLimit, auth);
    }

    private static FaultSettings fault(Section s) {
        return new FaultSettings(
            s.intBetween("abort-status", 200, 599, 503),
            percent(s, "abort-percent"),
            s.duration("delay", Duration.ZERO, Duration.ZERO),
            percent(s, "delay-percent"),
            s.bool("throw", false));
    }

    private static double percent(Section s, String key) {
        double value = s.doubleValue(key, 0);
        if (value < 0 || value > 100) {
            s.problem(key, "must be between 0 and 100, was " + value);
            return 0;
        }
        return value;
    }

    private static void checkRouteNamesAndConflicts(List<RouteSettings> routes, List<Integer> indexes,
                                                    List<ConfigValue> values, List<ConfigProblem> problems) {
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < routes.size(); i++) {
            RouteSettings route = routes.get(i);
            int index = indexes.get(i);
            Integer previous = names.putIfAbsent(route.name(), index);
            if (previous != null) {
                problems.add(ConfigProblem.at("routes[" + index + "].name",
                    "duplicate route name \"" + route.name() + "\" (also routes[" + previous + "])", values.get(index).origin()));
            }
            for (int j = 0; j < i; j++) {
                RouteSettings other = routes.get(j);
                if (conflict(route, other)) {
                    problems.add(ConfigProblem.at("routes[" + index + "]",
                        "conflicts with route \"" + other.name() + "\": same path, match, host and methods", values.get(index).origin()));
                }
            }
        }
    }

    private static boolean conflict(RouteSettings a, RouteSettings b) {
        if (!a.path().equals(b.path()) || a.match() != b.match() || !a.host().equals(b.host())) {
            return false;
        }
        if (a.methods().isEmpty() || b.methods().isEmpty()) {
            return true;
        }
        return a.methods().stream().anyMatch(b.methods()::contains);
    }

    private Config portOverride() {
        String port = environment.get(PORT_VARIABLE);
        if (port == null || port.isBlank()) {
            return ConfigFactory.empty();
        }
        return ConfigFactory.parseMap(Map.of("nexus.server.port", port.trim()), "environment variable " + PORT_VARIABLE);
    }

    private Config environmentConfig() {
        Map<String, Object> values = new HashMap<>();
        environment.forEach((name, value) -> {
            if (ENV_NAME.matcher(name).matches()) {
                values.put(ConfigUtil.joinPath(name), value);
            }
        });
        return ConfigFactory.parseMap(values, "environment variables");
    }
}
