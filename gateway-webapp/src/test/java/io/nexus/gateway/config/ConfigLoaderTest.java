package io.nexus.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nexus.gateway.config.RouteSettings.MatchKind;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    private static final String MINIMAL = """
        nexus {
          upstreams { api { targets = ["http://127.0.0.1:9000"] } }
          routes = [{ name = "api", path = "/api", upstream = "api" }]
        }
        """;

    private static final RequestLimits DEFAULT_LIMITS = new RequestLimits(8 * 1024, 100);
    private static final TlsSettings DEFAULT_TLS = new TlsSettings(false, 8443, List.of(), List.of(), true,
        Duration.ofSeconds(10));

    static GatewayConfig parse(String text) throws InvalidConfigException {
        return ConfigLoader.parse(text, "gateway.conf", Map.of());
    }

    static List<String> problems(String text) {
        try {
            parse(text);
        } catch (InvalidConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
        throw new AssertionError("config was accepted: " + text);
    }

    @Test
    void everythingHasADefault() throws Exception {
        GatewayConfig config = parse("nexus {}");
        assertThat(config.startup().server()).isEqualTo(new ServerSettings("0.0.0.0", 8080, 10_000, Duration.ZERO, 10L << 20, true,
            DEFAULT_LIMITS, DEFAULT_TLS));
        assertThat(config.shutdown()).isEqualTo(new ShutdownSettings(Duration.ofSeconds(5), Duration.ofSeconds(30)));
        assertThat(config.startup().admin()).isEqualTo(new AdminSettings("127.0.0.1", 9090, Optional.empty()));
        assertThat(config.startup().configWatch()).isEqualTo(new ConfigWatchSettings(true, Duration.ofSeconds(1)));
        assertThat(config.maxHistory()).isEqualTo(20);
        assertThat(config.guard()).isEqualTo(new GuardSettings(false, Duration.ofSeconds(60), 100, 0.05, 2.0, Duration.ofMillis(25)));
        assertThat(config.startup().demo()).isEqualTo(new DemoSettings(false, "127.0.0.1", 9000));
        assertThat(config.upstreams()).isEmpty();
        assertThat(config.routes()).isEmpty();
    }

    @Test
    void contractKeysAreParsed() throws Exception {
        GatewayConfig config = parse("""
            nexus {
              server {
                host = "127.0.0.1", port = 8081, max-concurrent-requests = 500, queue-timeout = 50ms
                max-request-body = 1MiB, virtual-threads = false
                shutdown { drain-delay = 2s, timeout = 20s }
              }
              admin { host = "0.0.0.0", port = 9191, token = "a-long-enough-token" }
              config { watch = false, max-history = 5 }
              upstreams {
                echo {
                  targets = ["http://127.0.0.1:9000", { url = "https://backend.internal:8443/base/", weight = 3 }]
                  balancer = weighted-round-robin
                  connect-timeout = 1s, idle-timeout = 10s, request-timeout = 15s
                  max-connections-per-target = 50, max-idle-connections-per-target = 10
                }
              }
              routes = [
                { name = "echo", path = "/echo/", match = exact, upstream = "echo", strip-prefix = true,
                  methods = [get, POST], host = "API.example.com", request-timeout = 3s }
              ]
            }
            """);
        assertThat(config.startup().server()).isEqualTo(new ServerSettings("127.0.0.1", 8081, 500, Duration.ofMillis(50), 1L << 20, false,
            DEFAULT_LIMITS, DEFAULT_TLS));
        assertThat(config.shutdown()).isEqualTo(new ShutdownSettings(Duration.ofSeconds(2), Duration.ofSeconds(20)));
        assertThat(config.startup().admin().token()).contains("a-long-enough-token");
        assertThat(config.startup().admin().toString()).doesNotContain("a-long-enough-token");
        assertThat(config.startup().configWatch()).isEqualTo(new ConfigWatchSettings(false, Duration.ofSeconds(1)));
        assertThat(config.maxHistory()).isEqualTo(5);
        UpstreamSettings echo = config.upstreams().get("echo");
        assertThat(echo.targets()).containsExactly(
            new TargetSettings(URI.create("http://127.0.0.1:9000"), 1),
            new TargetSettings(URI.create("https://backend.internal:8443/base"), 3));
        assertThat(echo.balancer()).isEqualTo(BalancerKind.WEIGHTED_ROUND_ROBIN);
        assertThat(echo.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(echo.idleTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(echo.requestTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(echo.maxConnectionsPerTarget()).isEqualTo(50);
        assertThat(echo.maxIdleConnectionsPerTarget()).isEqualTo(10);
        assertThat(config.routes()).containsExactly(new RouteSettings("echo", "/echo", MatchKind.EXACT, "echo", true,
            Set.of("GET", "POST"), Optional.of("api.example.com"), Optional.of(Duration.ofSeconds(3)), List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
    }

    @Test
    void upstreamAndRouteDefaultsApplyToEveryEntry() throws Exception {
        GatewayConfig config = parse("""
            nexus {
              upstream-defaults { connect-timeout = 700ms }
              route-defaults { strip-prefix = true }
            """ + MINIMAL.substring(MINIMAL.indexOf('{') + 1));
        assertThat(config.upstreams().get("api").connectTimeout()).isEqualTo(Duration.ofMillis(700));
        assertThat(config.upstreams().get("api").requestTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.routes().get(0).stripPrefix()).isTrue();
        assertThat(config.routes().get(0).match()).isEqualTo(MatchKind.PREFIX);
    }

    @Test
    void aValueFromRouteDefaultsReachesEveryRouteAndABadOneIsReportedForEach() throws Exception {
        String routes = """
              upstreams { api { targets = ["http://127.0.0.1:9000"] } }
              routes = [
                { name = "a", path = "/a", upstream = "api" }
                { name = "b", path = "/b", upstream = "api", websocket-max-message-size = 2KiB }
                { name = "c", path = "/c", upstream = "api", request-timeout = 5s }
              ]
            }
            """;
        GatewayConfig config = parse("nexus {\n  route-defaults { request-timeout = 2s, websocket-max-message-size = 1MiB }\n" + routes);
        assertThat(config.routes()).extracting(route -> route.requestTimeout().orElseThrow())
            .containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(5));
        assertThat(config.routes()).extracting(route -> route.webSocket().maxMessageSize()).containsExactly(1L << 20, 2048L, 1L << 20);

        String invalid = "Invalid value at 'request-timeout': No number in duration value 'soon' (gateway.conf:2)";
        assertThat(problems("nexus {\n  route-defaults { request-timeout = soon, websocket-max-message-size = 1MiB }\n" + routes))
            .containsExactly("routes[0].request-timeout: " + invalid, "routes[1].request-timeout: " + invalid);
    }

    @Test
    void unknownKeysAreNamedWithTheirLine() {
        assertThat(problems("""
            nexus {
              server { prot = 8080 }
              upstreams { api { targets = ["http://127.0.0.1:1"], retrys = 3 } }
              routes = [{ name = "api", path = "/", upstream = "api", stripprefix = true }]
            }
            nexux { }
            """)).containsExactlyInAnyOrder(
            "server.prot: unknown key (gateway.conf:2)",
            "upstreams.api.retrys: unknown key (gateway.conf:3)",
            "routes[0].stripprefix: unknown key (gateway.conf:4)",
            "nexux: unknown key (every setting lives under nexus) (gateway.conf:6)");
    }

    @Test
    void danglingUpstreamIsNamed() {
        assertThat(problems("""
            nexus {
              upstreams { api { targets = ["http://127.0.0.1:1"] } }
              routes = [
                { name = "api", path = "/api", upstream = "api" }
                { name = "users", path = "/users", upstream = "users" }
              ]
            }
            """)).containsExactly("routes[1].upstream: unknown upstream \"users\" (gateway.conf:5)");
    }

    @Test
    void connectionMemorySettingsAreValidatedLikeAnyKey() {
        assertThat(problems("""
            nexus {
              server {
                header-cache-size = -1
                pressure-threshold-percent = 20
                pressure-idle-timeout = 10ms
                accept-queue-size = 0
              }
            }
            """)).containsExactlyInAnyOrder(
                "server.accept-queue-size: must be between 1 and 65535, was 0 (gateway.conf:6)",
                "server.header-cache-size: must be between 0 and 4096, was -1 (gateway.conf:3)",
                "server.pressure-threshold-percent: must be between 50 and 100, was 20 (gateway.conf:4)",
                "server.pressure-idle-timeout: must be at least 100ms, was 10ms (gateway.conf:5)");
    }

    @Test
    void duplicateRouteNamesAreRefused() {
        assertThat(problems("""
            nexus {
              upstreams { api { targets = ["http://127.0.0.1:1"] } }
              routes = [
                { name = "api", path = "/a", upstream = "api" }
                { name = "api", path = "/b", upstream = "api" }
              ]
            }
            """)).containsExactly("routes[1].name: duplicate route name \"api\" (also routes[0]) (gateway.conf:5)");
    }

    @Test
    void conflictingRoutesAreRefused() {
        assertThat(problems("""
            nexus {
              upstreams { api { targets = ["http://127.0.0.1:1"] } }
              routes = [
                { name = "a", path = "/a", upstream = "api", methods = [GET, POST] }
                { name = "b", path = "/a/", upstream = "api", methods = [POST] }
                { name = "c", path = "/a", upstream = "api", methods = [PUT] }
                { name = "d", path = "/a", upstream = "api", host = "x.example.com" }
              ]
            }
            """)).containsExactly("routes[1]: conflicts with route \"a\": same path, match, host and methods (gateway.conf:5)");
    }

    @Test
    void badUrlsAreRefused() {
        assertThat(problems("""
            nexus {
              upstreams {
                a { targets = ["ftp://host:21"] }
                b { targets = ["http://host:1/path?query=1"] }
                c { targets = ["not a url"] }
                d { targets = [] }
              }
            }
            """)).containsExactlyInAnyOrder(
            "upstreams.a.targets: targets[0]: bad URL \"ftp://host:21\": needs http:// or https://, a host, and no query or fragment (gateway.conf:3)",
            "upstreams.b.targets: targets[0]: bad URL \"http://host:1/path?query=1\": needs http:// or https://, a host, and no query or fragment (gateway.conf:4)",
            "upstreams.c.targets: targets[0]: bad URL \"not a url\": needs http:// or https://, a host, and no query or fragment (gateway.conf:5)",
            "upstreams.d.targets: needs at least one target (gateway.conf:6)");
    }

    @Test
    void wrongTypesAndRangesAreNamed() {
        assertThat(problems("""
            nexus {
              server { port = "eighty", queue-timeout = fast, max-concurrent-requests = 0 }
              admin { token = "short" }
            }
            """)).containsExactlyInAnyOrder(
            "server.port: port has type STRING rather than NUMBER (gateway.conf:2)",
            "server.queue-timeout: Invalid value at 'queue-timeout': No number in duration value 'fast' (gateway.conf:2)",
            "server.max-concurrent-requests: must be between 1 and 1000000, was 0 (gateway.conf:2)",
            "admin.token: must be at least 16 characters long (gateway.conf:3)");
    }

    @Test
    void syntaxErrorNamesTheLine() {
        assertThat(problems("""
            nexus {
              server { port = 8080
              admin { }
            """)).singleElement().asString().startsWith("nexus: ").endsWith("(gateway.conf:4)");
    }

    @Test
    void responseBufferingIsAutoOrOff() throws Exception {
        GatewayConfig config = parse("""
            nexus {
              upstreams { api { targets = ["http://127.0.0.1:1"] } }
              routes = [
                { name = "a", path = "/a", upstream = "api" }
                { name = "b", path = "/b", upstream = "api", response-buffering = off }
              ]
            }
            """);
        assertThat(config.routes()).extracting(RouteSettings::responseBuffering)
            .containsExactly(RouteSettings.ResponseBuffering.AUTO, RouteSettings.ResponseBuffering.OFF);
        assertThat(problems("""
            nexus {
              upstreams { api { targets = ["http://127.0.0.1:1"] } }
              routes = [
                { name = "a", path = "/a", upstream = "api", response-buffering = on }
              ]
            }
            """)).containsExactly("routes[0].response-buffering: must be auto or off, was \"on\" (gateway.conf:4)");
    }

    @Test
    void webSocketRoutesTakeTheirLimitsOrReferenceConfsAndBadOnesAreRefused() throws Exception {
        GatewayConfig config = parse("""
            nexus {
              upstreams { api { targets = ["http://127.0.0.1:1"] } }
              routes = [
                { name = "a", path = "/a", upstream = "api" }
                { name = "b", path = "/b", upstream = "api", websocket = true, websocket-idle-timeout = 30s, websocket-max-message-size = 64k }
              ]
            }
            """);
        assertThat(config.routes()).extracting(RouteSettings::webSocket).containsExactly(
            new WebSocketSettings(false, Duration.ofMinutes(5), 1024 * 1024),
            new WebSocketSettings(true, Duration.ofSeconds(30), 64 * 1024));
        assertThat(problems("""
            nexus {
              upstreams { api { targets = ["http://127.0.0.1:1"] } }
              routes = [
                { name = "a", path = "/a", upstream = "api", websocket = yes-please }
                { name = "b", path = "/b", upstream = "api", websocket = true, websocket-idle-timeout = 10ms }
                { name = "c", path = "/c", upstream = "api", websocket = true, websocket-max-message-size = 100 }
              ]
            }
            """)).containsExactly(
                "routes[0].websocket: websocket has type STRING rather than BOOLEAN (gateway.conf:4)",
                "routes[1].websocket-idle-timeout: must be at least 1000ms, was 10ms (gateway.conf:5)",
                "routes[2].websocket-max-message-size: must be at least 125 bytes, was 100 (gateway.conf:6)");
    }

    @Test
    void badPathsAndNamesAreRefused() {
        assertThat(problems("""
            nexus {
              upstreams { api { targets = ["http://127.0.0.1:1"] } }
              routes = [
                { name = "a", path = "api", upstream = "api" }
                { name = "b", path = "/x/../y", upstream = "api" }
                { name = "bad name!", path = "/c", upstream = "api", match = regex, methods = ["GE T"] }
              ]
            }
            """)).containsExactlyInAnyOrder(
            "routes[0].path: must be a normalized absolute path such as /api/users, was \"api\" (gateway.conf:4)",
            "routes[1].path: must be a normalized absolute path such as /api/users, was \"/x/../y\" (gateway.conf:5)",
            "routes[2].name: route name must match [A-Za-z0-9][A-Za-z0-9._-]{0,63} (gateway.conf:6)",
            "routes[2].match: must be prefix or exact, was \"regex\" (gateway.conf:6)",
            "routes[2].methods: bad method \"GE T\" (gateway.conf:6)");
    }

    @Test
    void environmentFillsOptionalSubstitutionsAndNexusPortOverridesTheFile() throws Exception {
        GatewayConfig config = ConfigLoader.parse("""
            nexus { server.port = 8081, admin.token = ${?NEXUS_ADMIN_TOKEN} }
            """, "gateway.conf", Map.of("NEXUS_PORT", "9999", "NEXUS_ADMIN_TOKEN", "from-the-environment"));
        assertThat(config.startup().server().port()).isEqualTo(9999);
        assertThat(config.startup().admin().token()).contains("from-the-environment");

        GatewayConfig withoutEnvironment = ConfigLoader.parse("nexus { server.port = 8081 }", "gateway.conf", Map.of());
        assertThat(withoutEnvironment.startup().server().port()).isEqualTo(8081);
        assertThat(withoutEnvironment.startup().admin().token()).isEmpty();
    }

    @Test
    void missingFileIsAProblemNamingTheFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.conf");
        assertThatThrownBy(() -> ConfigLoader.load(missing, Map.of()))
            .isInstanceOf(InvalidConfigException.class)
            .hasMessageContaining(missing.toString()).hasMessageContaining("not found");
    }

    @Test
    void filesAreNamedByTheirPathInProblems(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, "nexus {\n  server { port = 70000 }\n}\n");
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
            .hasMessage("server.port: must be between 0 and 65535, was 70000 (" + file + ":2)");
    }

    @Test
    void middlewaresMustBeRegisteredAndAFaultBlockAddsTheFaultMiddleware() throws Exception {
        assertThat(problems("""
            nexus {
              upstreams { api { targets = ["http://127.0.0.1:1"] } }
              routes = [{ name = "api", path = "/", upstream = "api", middlewares = [fault, compress] }]
            }
            """)).containsExactly("routes[0].middlewares: unknown middleware \"compress\" (known: auth, cors, fault, rate-limit, rewrite) (gateway.conf:3)");

        GatewayConfig config = parse("""
            nexus {
              upstreams { api { targets = ["http://127.0.0.1:1"] } }
              routes = [{ name = "api", path = "/", upstream = "api",
                          fault { abort-status = 502, abort-percent = 12.5, delay = 20ms, delay-percent = 50 } }]
            }
            """);
        RouteSettings route = config.routes().get(0);
        assertThat(route.middlewares()).containsExactly("fault");
        assertThat(route.fault()).contains(new FaultSettings(502, 12.5, Duration.ofMillis(20), 50, false));
    }

    @Test
    void faultBlockIsValidated() {
        assertThat(problems("""
            nexus {
              upstreams { api { targets = ["http://127.0.0.1:1"] } }
              routes = [{ name = "api", path = "/", upstream = "api", fault { abort-status = 99, abort-percent = 101, oops = 1 } }]
            }
            """)).containsExactlyInAnyOrder(
            "routes[0].fault.abort-status: must be between 200 and 599, was 99 (gateway.conf:3)",
            "routes[0].fault.abort-percent: must be between 0 and 100, was 101.0 (gateway.conf:3)",
            "routes[0].fault.oops: unknown key (gateway.conf:3)");
    }

    @Test
    void middlewareSettingsNameARegisteredMiddlewareAndTakeAPriorityInRange() {
        assertThat(problems("""
            nexus {
              middleware-settings {
                compress { level = 3 }
                fault { priority = -1 }
                auth { priority = 350, colour = blue }
                rate-limit = 5
              }
            }
            """)).containsExactlyInAnyOrder(
            "middleware-settings.compress: unknown middleware \"compress\" (known: auth, cors, fault, rate-limit, rewrite) (gateway.conf:3)",
            "middleware-settings.fault.priority: must be between 0 and 1000000, was -1 (gateway.conf:4)",
            "middleware-settings.auth.colour: unknown key (gateway.conf:5)",
            "middleware-settings.rate-limit: must be an object with a middleware's settings (gateway.conf:6)");
    }

    @Test
    void aPriorityOverrideIsReadForABuiltIn() throws Exception {
        GatewayConfig config = parse("nexus { middleware-settings.fault.priority = 250 }");

        assertThat(config.middlewareSettings().get("fault").priority()).hasValue(250);
    }

    @Test
    void pluginsDirMustNotBeBlank() {
        assertThat(problems("""
            nexus {
              plugins { dir = " ", jars = [] }
            }
            """)).containsExactlyInAnyOrder(
            "plugins.dir: must not be blank (gateway.conf:2)",
            "plugins.jars: unknown key (gateway.conf:2)");
    }

    @Test
    void pluginsDirIsReadBeforeValidationAndFallsBackToReferenceConf() {
        String text = "nexus { plugins.dir = ${?PLUGINS}, routes = [{ name = \"x\", path = \"/\", upstream = \"nowhere\" }] }";

        assertThat(ConfigLoader.pluginsDir(Optional.of(ConfigText.of(text, "gateway.conf")), Map.of("PLUGINS", "/opt/nexus/plugins")))
            .isEqualTo(Path.of("/opt/nexus/plugins"));
        assertThat(ConfigLoader.pluginsDir(Optional.of(ConfigText.of(text, "gateway.conf")), Map.of())).isEqualTo(Path.of("plugins"));
        assertThat(ConfigLoader.pluginsDir(Optional.of(ConfigText.of("nexus { ", "gateway.conf")), Map.of())).isEqualTo(Path.of("plugins"));
        assertThat(ConfigLoader.pluginsDir(Optional.empty(), Map.of())).isEqualTo(Path.of("plugins"));
    }

    @Test
    void theParseThatPluginsDirReadIsValidatedAndNotKept() throws Exception {
        ConfigText text = ConfigText.of("nexus { plugins.dir = extensions, upstreams.up.targets = [\"http://127.0.0.1:1\"], "
            + "routes = [{ name = \"x\", path = \"/\", upstream = up }] }", "gateway.conf");

        assertThat(ConfigLoader.pluginsDir(Optional.of(text), Map.of())).isEqualTo(Path.of("extensions"));
        com.typesafe.config.Config read = text.peek();
        GatewayConfig config = new ConfigLoader(Map.of(), RouteSettings.BUILT_IN_MIDDLEWARES).parse(text);

        assertThat(config.routes()).extracting(RouteSettings::name).containsExactly("x");
        assertThat(text.peek()).as("handed to the validation, then parsed anew").isNotSameAs(read).isEqualTo(read);
        assertThat(config.redacted()).contains("extensions");
    }

    @Test
    void renderingMadeOnDemandIsTheOneMadeAtOnce() throws Exception {
        String text = """
            nexus {
              admin.token = ${?NEXUS_ADMIN_TOKEN}
              upstreams { api { targets = [${?UPSTREAM}] } }
              routes = [{ name = "api", path = "/", upstream = "api" }]
            }
            """;
        ConfigLoader loader = new ConfigLoader(Map.of("NEXUS_PORT", "9999", "NEXUS_ADMIN_TOKEN", "from-the-environment",
            "UPSTREAM", "http://127.0.0.1:1"), RouteSettings.BUILT_IN_MIDDLEWARES);
        String onDemand = loader.parse(text, "gateway.conf").redacted();
        assertThat(onDemand).isEqualTo(loader.parseRendered(text, "gateway.conf").redacted())
            .contains("port=\"9999\"", "\"http://127.0.0.1:1\"", "token=\"<redacted>\"").doesNotContain("from-the-environment");
    }

    @Test
    void renderedConfigRedactsSecretsAtAnyDepth() throws Exception {
        GatewayConfig config = ConfigLoader.parse("""
            nexus { admin.token = "a-very-secret-admin-token" }
            """, "gateway.conf", Map.of());
        assertThat(config.redacted()).startsWith("nexus {").contains("token=\"<redacted>\"").doesNotContain("a-very-secret-admin-token");
        assertThat(Redaction.isSecret("client-secret")).isTrue();
        assertThat(Redaction.isSecret("sha256")).isTrue();
        assertThat(Redaction.isSecret("PASSWORD")).isTrue();
        assertThat(Redaction.isSecret("private-key-file")).isTrue();
        assertThat(Redaction.isSecret("path")).isFalse();
    }

    @Test
    void optionalBlocksTakeWhatTheyLeaveOutFromTheirTemplate() throws Exception {
        GatewayConfig config = parse("""
            nexus {
              upstreams { api { targets = [{ url = "http://127.0.0.1:1" }] } }
              auth { partners { type = api-key, keys = [{ id = "a", sha256 = "%s" }] } }
              routes = [
                { name = "r", path = "/r", upstream = "api", retries { attempts = 3 } }
                { name = "f", path = "/f", upstream = "api", middlewares = [fault] }
                { name = "a", path = "/a", upstream = "api", auth = partners }
              ]
            }
            """.formatted("a".repeat(64)));
        assertThat(config.upstreams().get("api").targets()).containsExactly(new TargetSettings(URI.create("http://127.0.0.1:1"), 1));
        assertThat(config.routes().get(0).retries()).contains(new RetrySettings(3, true, Set.of(502, 503, 504), 20, 100, true));
        // Listed without a block: the template's settings, which inject nothing.
        assertThat(config.routes().get(1).fault()).contains(new FaultSettings(503, 0, Duration.ZERO, 0, false));
        assertThat(config.routes().get(0).fault()).isEmpty();
        AuthSettings.ApiKey partners = (AuthSettings.ApiKey) config.auth().get("partners");
        assertThat(partners.header()).isEqualTo("X-API-Key");
        assertThat(partners.forwardCredential()).isFalse();
    }

    @Test
    void upstreamRetriesAreTheDefaultOfRoutesWithoutTheirOwn() throws Exception {
        GatewayConfig config = parse("""
            nexus {
              upstreams {
                plain { targets = ["http://127.0.0.1:1"] }
                tuned { targets = ["http://127.0.0.1:2"], retries { attempts = 3, retry-on = [reset, 503] } }
                off { targets = ["http://127.0.0.1:3"], retries.attempts = 1 }
              }
            }
            """);
        // By default a connection that failed before any response byte is tried once more.
        assertThat(config.upstreams().get("plain").retries()).isEqualTo(new RetrySettings(2, true, Set.of(), 20, 100, true));
        assertThat(config.upstreams().get("tuned").retries()).isEqualTo(new RetrySettings(3, false, Set.of(503), 20, 100, true));
        assertThat(config.upstreams().get("off").retries().attempts()).isEqualTo(1);
    }

    @Test
    void upstreamRetriesAreValidatedWithFileLineAndKey() {
        assertThat(problems("""
            nexus {
              upstreams {
                api {
                  targets = ["http://127.0.0.1:1"]
                  retries { attempts = 0, retry-on = [connect-failure, timeout], budget-percent = 101 }
                }
              }
            }
            """)).containsExactlyInAnyOrder(
            "upstreams.api.retries.attempts: must be between 1 and 10, was 0 (gateway.conf:5)",
            "upstreams.api.retries.retry-on: bad condition \"timeout\" (connect-failure, reset, 502, 503, 504) (gateway.conf:5)",
            "upstreams.api.retries.budget-percent: must be between 0 and 100, was 101 (gateway.conf:5)");
        assertThat(problems("""
            nexus {
              upstreams { api { targets = ["http://127.0.0.1:1"], retries { attemps = 2 } } }
            }
            """)).containsExactly("upstreams.api.retries.attemps: unknown key (gateway.conf:2)");
    }

    @Test
    void blockTemplatesAreNeitherSettingsNorShown() throws Exception {
        assertThat(problems("""
            nexus { }
            nexus-block-defaults { route.retries.attempts = 5 }
            """)).containsExactly("nexus-block-defaults: unknown key (every setting lives under nexus) (gateway.conf:2)");
        assertThat(parse("nexus {}").redacted()).doesNotContain("block-defaults", "abort-percent");
    }

    @Test
    void valuesNoReaderLooksAtAreCheckedAgainstReferenceTypes() {
        assertThat(problems("""
            nexus {
              upstream-defaults { health-check = 5 }
            }
            """)).containsExactly("upstream-defaults.health-check: must be object with keys [active, passive], was number (gateway.conf:2)");
        // A key a reader already named is not named twice.
        assertThat(problems("nexus.server.tls = 5")).containsExactly("server.tls: must be an object, was number (gateway.conf:1)");
        assertThat(problems("nexus = 5")).containsExactly("nexus: must be an object, was number (gateway.conf:1)");
    }

    @Test
    void startUpSettingsChangeOnlyWithWhatIsFixedAtStartUp() throws Exception {
        GatewayConfig started = parse(MINIMAL);
        GatewayConfig reloadable = parse("""
            nexus {
              server.shutdown { drain-delay = 1s, timeout = 2s }
              config.max-history = 3
              observability.access-log.enabled = false
            """ + MINIMAL.substring(MINIMAL.indexOf('{') + 1));
        assertThat(reloadable.startup()).isEqualTo(started.startup());
        assertThat(reloadable.shutdown()).isNotEqualTo(started.shutdown());

        GatewayConfig restart = parse("nexus { server.max-header-count = 50, server.tls.http2 = false }");
        assertThat(restart.startup().server()).isNotEqualTo(started.startup().server());
        assertThat(restart.startup().admin()).isEqualTo(started.startup().admin());
    }

    @Test
    void shippedDefaultConfigIsValid() throws Exception {
        GatewayConfig config = ConfigLoader.load(Path.of("../conf/gateway.conf"), Map.of());
        assertThat(config.routes()).extracting(RouteSettings::name).containsExactly("echo");
    }

    /** Ten thousand routes: a mistake deep in the table still names its line and key, and conflicts are still found. */
    @Test
    void aLargeTableNamesTheLineAndKeyOfItsMistakes() {
        StringBuilder text = new StringBuilder("nexus {\n  upstreams { up { targets = [\"http://127.0.0.1:1\"] } }\n  routes = [\n");
        for (int i = 0; i < 10_000; i++) {
            String key = i == 7_777 ? "upstrem" : "upstream";
            String path = i == 9_999 ? "/svc3" : "/svc" + i;
            text.append("    { name = \"svc").append(i).append("\", path = \"").append(path).append("\", ").append(key).append(" = up }\n");
        }
        text.append("  ]\n}\n");
        // Route i is on line i + 4.
        assertThat(problems(text.toString())).containsExactlyInAnyOrder(
            "routes[7777].upstrem: unknown key (gateway.conf:7781)",
            "routes[7777].upstream: is required (gateway.conf:7781)",
            "routes[9999]: conflicts with route \"svc3\": same path, match, host and methods (gateway.conf:10003)");
    }

    @Test
    void badConfigGuardValuesNameTheirKeyAndLine() {
        assertThat(problems("""
            nexus.config.guard {
              enabled = yes-please
              window = 10ms
              min-requests = 0
              max-error-ratio-increase = 1.5
              max-p99-increase = 0.5
              min-p99-increase = -5ms
            }
            """)).containsExactlyInAnyOrder(
                "config.guard.enabled: enabled has type STRING rather than BOOLEAN (gateway.conf:2)",
                "config.guard.window: must be at least 1000ms, was 10ms (gateway.conf:3)",
                "config.guard.min-requests: must be between 1 and 100000000, was 0 (gateway.conf:4)",
                "config.guard.max-error-ratio-increase: must be between 0 and 1, was 1.5 (gateway.conf:5)",
                "config.guard.max-p99-increase: must be between 1 and 1000, was 0.5 (gateway.conf:6)",
                "config.guard.min-p99-increase: must be at least 0ms, was -5ms (gateway.conf:7)");
    }

    @Test
    void autoMaxConnectionsLeavesRoomForHttp2ConnectionsWhenAConnectorSpeaksIt(@TempDir Path dir) throws Exception {
        long heap = Runtime.getRuntime().maxMemory();
        Path keystore = Files.writeString(dir.resolve("a.p12"), "not read here");
        ConnectionSettings http2 = parse("nexus {}").startup().server().connections();
        ConnectionSettings http11 = parse("nexus.server.http2-cleartext = false").startup().server().connections();
        ConnectionSettings tls = parse("""
            nexus.server {
              http2-cleartext = false
              tls { enabled = true, certificates = [{ name = "a", keystore = "%s", keystore-password = "x" }] }
            }
            """.formatted(keystore)).startup().server().connections();
        assertThat(http2.maxConnectionsAuto()).isTrue();
        assertThat(http2.maxConnections()).isEqualTo(ConnectionSettings.auto(heap, true));
        assertThat(http11.maxConnections()).isEqualTo(ConnectionSettings.auto(heap, false));
        assertThat(tls.maxConnections()).isEqualTo(ConnectionSettings.auto(heap, true));
        assertThat(ConnectionSettings.auto(512L << 20, true)).isEqualTo(10_922);
        assertThat(ConnectionSettings.auto(512L << 20, false)).isEqualTo(32_768);
        assertThat(ConnectionSettings.auto(1L << 20, true)).isEqualTo(ConnectionSettings.AUTO_MIN);
        assertThat(ConnectionSettings.auto(64L << 30, false)).isEqualTo(ConnectionSettings.AUTO_MAX);
    }
}
