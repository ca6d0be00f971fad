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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a HOCON file into a {@link GatewayConfig}: syntax, types, ranges, unknown keys,
 * dangling references, duplicate names and conflicting routes are all checked before anything
 * is built, and every problem names its key, file and line. The file is merged over
 * reference.conf, which holds every default; the {@code *SettingsReader}s turn the result into
 * records, and Typesafe's {@code checkValid} checks it against the reference's types.
 */
public final class ConfigLoader {

    /** Overrides {@code nexus.server.port}, also over the file. */
    public static final String PORT_VARIABLE = "NEXUS_PORT";

    private static final String PLUGINS_DIR = "nexus.plugins.dir";
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern WRONG_TYPE = Pattern.compile("Wrong value type at '[^']*', expecting: (.*) but got: (.*)");
    private static final Function<ConfigObject, RedactedConfig> RENDER_NOW = nexus -> RedactedConfig.of(Redaction.render(nexus));

    private final Map<String, String> environment;
    private final MiddlewareCatalog middlewares;

    /**
     * @param environment where {@code ${?VAR}} and {@value #PORT_VARIABLE} are looked up
     * @param middlewares the names routes may list in {@code middlewares}, none of which takes settings
     */
    public ConfigLoader(Map<String, String> environment, Set<String> middlewares) {
        this(environment, MiddlewareCatalog.of(middlewares));
    }

    /**
     * @param environment where {@code ${?VAR}} and {@value #PORT_VARIABLE} are looked up
     * @param middlewares the middlewares routes may list, which read their own {@code middleware-settings}
     */
    public ConfigLoader(Map<String, String> environment, MiddlewareCatalog middlewares) {
        this.environment = Map.copyOf(environment);
        this.middlewares = middlewares;
    }

    /** Loads a file, with {@code ${?VAR}} and {@value #PORT_VARIABLE} taken from the process environment. */
    public static GatewayConfig load(Path file) throws InvalidConfigException {
        return load(file, System.getenv());
    }

    /** Loads a file, with environment variables taken from {@code environment}. */
    public static GatewayConfig load(Path file, Map<String, String> environment) throws InvalidConfigException {
        return new ConfigLoader(environment, RouteSettings.BUILT_IN_MIDDLEWARES).load(file, file.toString());
    }

    /** Parses HOCON text; {@code sourceName} stands for the file in errors. */
    public static GatewayConfig parse(String text, String sourceName, Map<String, String> environment) throws InvalidConfigException {
        return new ConfigLoader(environment, RouteSettings.BUILT_IN_MIDDLEWARES).parse(text, sourceName);
    }

    /**
     * {@code nexus.plugins.dir} of a config's text, before the text can be validated: its routes
     * may name middlewares that only the plugins in that directory bring. reference.conf's value
     * without a text or when the text does not parse (validation reports why, afterwards). The
     * parse is kept in {@code text} for the validation that follows ({@link #parse(ConfigText)}).
     */
    public static Path pluginsDir(Optional<ConfigText> text, Map<String, String> environment) {
        try {
            Config given = text.isPresent() ? text.get().peek() : ConfigFactory.empty();
            ConfigLoader loader = new ConfigLoader(environment, Set.of());
            Config resolved = given.withFallback(ReferenceConfig.UNRESOLVED).withFallback(loader.environmentConfig())
                .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
            return Path.of(resolved.getString(PLUGINS_DIR));
        } catch (ConfigException | java.nio.file.InvalidPathException e) {
            return Path.of(ReferenceConfig.RESOLVED.getString(PLUGINS_DIR));
        }
    }

    /** Reads and parses a file; {@code sourceName} names it in the config's {@code source}. */
    public GatewayConfig load(Path file, String sourceName) throws InvalidConfigException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidConfigException(List.of(new ConfigProblem("nexus", "config file not found or not a regular file", file.toString(), -1)));
        }
        ConfigParseOptions options = ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false);
        // The file may change after this read: the rendering is made now, from what was read.
        return build(sourceName, () -> ConfigFactory.parseFile(file.toFile(), options), RENDER_NOW);
    }

    /** Parses HOCON text; {@code sourceName} stands for the file in errors. */
    public GatewayConfig parse(String text, String sourceName) throws InvalidConfigException {
        return parse(ConfigText.of(text, sourceName));
    }

    /** Parses HOCON text, taking the parse {@code text} holds if any. */
    public GatewayConfig parse(ConfigText text) throws InvalidConfigException {
        // The rendering parses the text again when first asked for (it parsed once, so it does
        // again): a version kept in the history holds its text, not a rendering nobody reads.
        return build(text.sourceName(), text::take, nexus -> RedactedConfig.lazy(() -> {
            ConfigValue root = resolve(text.parse()).root().get("nexus");
            return Redaction.render((ConfigObject) root);
        }));
    }

    /**
     * Parses HOCON text like {@link #parse(String, String)}, rendering the redacted config at once:
     * for a caller that shows it right away (the validate endpoint's diff), which saves a second parse.
     */
    public GatewayConfig parseRendered(String text, String sourceName) throws InvalidConfigException {
        return build(sourceName, ConfigText.of(text, sourceName)::take, RENDER_NOW);
    }

    private interface Parser {
        Config parse();
    }

    /** The file over reference.conf, with {@code ${?VAR}} and {@value #PORT_VARIABLE} resolved from the environment. */
    private Config resolve(Config file) {
        // reference.conf underneath: every key with a default is there for the readers.
        Config merged = portOverride().withFallback(file).withFallback(ReferenceConfig.UNRESOLVED);
        // Environment variables sit beside the nexus root, where ${?VAR} finds them; only the
        // nexus subtree is read afterwards.
        return merged.withFallback(environmentConfig())
            .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
    }

    /**
     * @param rendering the redacted rendering of the resolved {@code nexus} object: rendered now
     *     or made later
     */
    private GatewayConfig build(String sourceName, Parser parser, Function<ConfigObject, RedactedConfig> rendering) throws InvalidConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        Config resolved;
        Config file;
        try {
            file = parser.parse();
            resolved = resolve(file);
        } catch (ConfigException e) {
            throw new InvalidConfigException(List.of(ConfigProblem.at("nexus", Section.describe(e), e.origin())));
        }

        for (String key : file.root().keySet()) {
            if (!key.equals("nexus")) {
                problems.add(ConfigProblem.at(key, "unknown key (every setting lives under nexus)", file.root().get(key).origin()));
            }
        }
        ConfigValue root = resolved.root().get("nexus");
        if (!(root instanceof ConfigObject object)) {
            // nexus = null or a value: nothing below it can be read.
            String type = root == null ? "missing" : root.valueType().name().toLowerCase(Locale.ROOT);
            problems.add(ConfigProblem.at("nexus", "must be an object, was " + type, root == null ? null : root.origin()));
            throw new InvalidConfigException(problems);
        }
        Section nexus = new Section(object, "", problems);
        GatewayConfig config = read(sourceName, nexus, problems, rendering.apply(object));
        nexus.finish();
        checkAgainstReference(resolved, problems);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return config;
    }

    private GatewayConfig read(String sourceName, Section nexus, List<ConfigProblem> problems, RedactedConfig redacted) {
        StartupSettings startup = StartupSettingsReader.read(nexus, problems);
        // The reloadable keys of nexus.server and nexus.config: the rest of those objects is start-up only.
        Section shutdown = nexus.section("server").section("shutdown");
        ShutdownSettings shutdownSettings = new ShutdownSettings(shutdown.duration("drain-delay", Duration.ZERO),
            shutdown.duration("timeout", Duration.ZERO));
        int maxHistory = nexus.section("config").intBetween("max-history", 1, 1000);
        GuardSettings guard = GuardSettingsReader.read(nexus.section("config").section("guard"));
        Map<String, AuthSettings> auth = AuthSettingsReader.read(nexus.section("auth"), problems);

        ConfigObject upstreamDefaults = nexus.template("upstream-defaults");
        Map<String, UpstreamSettings> upstreams = new LinkedHashMap<>();
        Section upstreamSection = nexus.section("upstreams");
        upstreamSection.namedObjects("upstream", "targets").forEach((name, object) -> {
            Section section = upstreamSection.entry(object, upstreamDefaults, upstreamSection.keyPath(name));
            upstreams.put(name, UpstreamSettingsReader.read(name, section));
            section.finish();
        });

        RedisSettings redis = RedisSettingsReader.read(nexus.section("redis"));
        ConfigObject routeDefaults = nexus.template("route-defaults");
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
            Section section = nexus.entry(object, routeDefaults, label);
            RouteSettings route = RouteSettingsReader.read(section, middlewares.names(), upstreams.keySet(), auth, redis);
            section.finish();
            if (route != null) {
                routes.add(route);
                routeIndexes.add(i);
            }
        }
        RouteSettingsReader.checkNamesAndConflicts(routes, routeIndexes, routeValues, problems);
        Set<String> routeNames = new HashSet<>();
        routes.forEach(route -> routeNames.add(route.name()));
        ObservabilitySettings observability = ObservabilitySettingsReader.read(nexus.section("observability"), nexus.section("metrics"), routeNames);
        Map<String, MiddlewareSettings> middlewareSettings = MiddlewareSettingsReader.read(nexus.section("middleware-settings"), middlewares,
            usedMiddlewares(routes));
        String pluginsDir = nexus.section("plugins").nonBlankString("dir");
        return new GatewayConfig(sourceName, startup, shutdownSettings, maxHistory, upstreams, routes, auth, observability, redacted,
            guard, middlewareSettings, pluginsDir == null ? Path.of(".") : Path.of(pluginsDir));
    }

    private static Set<String> usedMiddlewares(List<RouteSettings> routes) {
        Set<String> used = new java.util.TreeSet<>();
        routes.forEach(route -> used.addAll(route.middlewares()));
        return used;
    }

    /**
     * Typesafe's own check of every value against the type reference.conf gives it. It catches
     * what no reader looks at, such as a wrong type in {@code upstream-defaults} while no
     * upstream uses it; a key a reader already reported is not reported twice.
     */
    private static void checkAgainstReference(Config resolved, List<ConfigProblem> problems) {
        try {
            resolved.checkValid(ReferenceConfig.RESOLVED, "nexus");
        } catch (ConfigException.ValidationFailed e) {
            for (ConfigException.ValidationProblem problem : e.problems()) {
                String key = problem.path().equals("nexus") ? "nexus" : problem.path().substring("nexus.".length());
                boolean listOfRoutes = key.equals(ObservabilitySettingsReader.ROUTE_HISTOGRAMS) && resolved.getValue(problem.path()).valueType() == ConfigValueType.LIST;
                if (!listOfRoutes && problems.stream().noneMatch(p -> related(p.key(), key))) {
                    problems.add(ConfigProblem.at(key, reworded(problem.problem()), problem.origin()));
                }
            }
        }
    }

    private static boolean related(String a, String b) {
        return a.equals(b) || a.startsWith(b + ".") || a.startsWith(b + "[") || b.startsWith(a + ".") || b.startsWith(a + "[");
    }

    /** "Wrong value type at 'nexus.x', expecting: object with keys [a] but got: number" without the path, which the problem names. */
    private static String reworded(String message) {
        Matcher wrongType = WRONG_TYPE.matcher(message);
        return wrongType.matches() ? "must be " + wrongType.group(1) + ", was " + wrongType.group(2) : message;
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
