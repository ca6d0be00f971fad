package io.nexus.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.config.TrafficPolicy.Cors;
import io.nexus.gateway.config.TrafficPolicy.HeaderEdits;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TrafficPolicyReaderTest {

    private static final String UPSTREAM = "upstreams { up { targets = [\"http://127.0.0.1:1\"] } }\n";

    private static RouteSettings route(String keys) throws InvalidConfigException {
        return ConfigLoader.parse("nexus {\n" + UPSTREAM + "routes = [{ name = r, path = \"/r\", upstream = up\n" + keys + "\n}]\n}",
            "gateway.conf", Map.of()).routes().get(0);
    }

    /** Problems of a route whose extra keys start on line 4 of gateway.conf. */
    private static List<String> problems(String keys) {
        try {
            route(keys);
        } catch (InvalidConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
        throw new AssertionError("config was accepted: " + keys);
    }

    @Test
    void headersRewriteAndCorsAreReadAndAddTheirMiddlewares() throws Exception {
        RouteSettings route = route("""
            methods = [GET]
            headers { request { set { "X-Env" = "prod" }, add { "X-Via" = "gw ${route}" }, remove = ["X-Secret"] }
                      response { remove = ["Server"] } }
            rewrite { regex = "^/users/([0-9]+)$", replacement = "/v2/accounts/$1" }
            cors { allowed-origins = ["https://App.example.com"], allow-credentials = true }
            """);
        assertThat(route.traffic().headers().request()).isEqualTo(new HeaderEdits(Map.of("X-Env", "prod"), Map.of("X-Via", "gw ${route}"), List.of("X-Secret")));
        assertThat(route.traffic().headers().response()).isEqualTo(new HeaderEdits(Map.of(), Map.of(), List.of("Server")));
        assertThat(route.traffic().rewrite()).contains(new TrafficPolicy.Rewrite("^/users/([0-9]+)$", "/v2/accounts/$1"));
        assertThat(route.traffic().cors()).contains(new Cors(List.of("https://app.example.com"), List.of("GET", "HEAD", "POST"), List.of(), List.of(),
            true, Duration.ofMinutes(10), true));
        assertThat(route.middlewares()).containsExactly(TrafficPolicy.REWRITE, TrafficPolicy.CORS);
        assertThat(route.methods()).containsExactlyInAnyOrder("GET", "OPTIONS");
    }

    @Test
    void aRouteWithoutTheKeysHasNoPolicy() throws Exception {
        assertThat(route("").traffic()).isEqualTo(TrafficPolicy.NONE);
    }

    @Test
    void badHeaderEditsAreNamed() {
        assertThat(problems("""
            headers { request { set { "Bad Name" = "1", "Content-Length" = "3" }, add { "X-A" = "${secret}" }, remove = ["Host"] }
                      response { set { "X-B" = { a = 1 } }, sett {} } }
            """)).containsExactlyInAnyOrder(
            "routes[0].headers.request.set.Bad Name: bad header name \"Bad Name\" (gateway.conf:4)",
            "routes[0].headers.request.set.Content-Length: header Content-Length cannot be edited (framing, hop-by-hop or the gateway's own) (gateway.conf:4)",
            "routes[0].headers.request.add.X-A: unknown variable ${secret} (known: ${client_ip}, ${request_id}, ${route}) (gateway.conf:4)",
            "routes[0].headers.request.remove: header Host cannot be edited (framing, hop-by-hop or the gateway's own) (gateway.conf:4)",
            "routes[0].headers.response.set.X-B: must be a string value (gateway.conf:5)",
            "routes[0].headers.response.sett: unknown key (gateway.conf:5)");
    }

    @Test
    void invalidRegexIsNamedWithFileLineAndKey() {
        assertThat(problems("""
            rewrite { regex = "^/users/([0-9+$", replacement = "/v2/$1" }
            """)).containsExactly("routes[0].rewrite.regex: invalid regex: Unclosed character class near index 14 (gateway.conf:4)");
    }

    @Test
    void replacementMustBeACanonicalPathAndNameExistingGroups() {
        assertThat(problems("rewrite { regex = \"^/(.*)$\", replacement = \"/v2/$2\" }"))
            .containsExactly("routes[0].rewrite.replacement: refers to group $2 but regex has 1 (gateway.conf:4)");
        assertThat(problems("rewrite { regex = \"^/(.*)$\", replacement = \"/v2/../$1\" }"))
            .containsExactly("routes[0].rewrite.replacement: must be a canonical absolute path such as /v2/$1 (a dot segment) (gateway.conf:4)");
        assertThat(problems("rewrite { regex = \"^/(.*)$\", replacement = \"/v2//$1\" }"))
            .containsExactly("routes[0].rewrite.replacement: must be a canonical absolute path such as /v2/$1 (an empty segment (//)) (gateway.conf:4)");
        assertThat(problems("rewrite { regex = \"^/(.*)$\", replacement = \"/v2/%2e$1\" }"))
            .containsExactly("routes[0].rewrite.replacement: must be a canonical absolute path such as /v2/$1 (a percent-encoded sequence) (gateway.conf:4)");
        assertThat(problems("rewrite { regex = \"^/(.*)$\", replacement = \"$1\" }"))
            .containsExactly("routes[0].rewrite.replacement: must be a canonical absolute path such as /v2/$1 (not an absolute path) (gateway.conf:4)");
        assertThat(problems("rewrite { regex = \"^/(.*)$\" }"))
            .containsExactly("routes[0].rewrite.replacement: is required (gateway.conf:4)");
    }

    @Test
    void corsWildcardWithCredentialsAndBadOriginsAreRefused() {
        assertThat(problems("cors { allowed-origins = [\"*\"], allow-credentials = true }")).containsExactly(
            "routes[0].cors.allowed-origins: * cannot be used with allow-credentials = true (the Fetch standard forbids it); list the origins (gateway.conf:4)");
        assertThat(problems("cors { allowed-origins = [\"https://app.example.com/\", \"app.example.com\"] }")).containsExactly(
            "routes[0].cors.allowed-origins: bad origin \"https://app.example.com/\" (scheme://host[:port] without a path, or *) (gateway.conf:4)",
            "routes[0].cors.allowed-origins: bad origin \"app.example.com\" (scheme://host[:port] without a path, or *) (gateway.conf:4)");
        assertThat(problems("cors { allowed-methods = [\"GE T\"], allowed-origins = [\"https://a.example\"], max-age = -1s }")).containsExactlyInAnyOrder(
            "routes[0].cors.allowed-methods: bad method \"GE T\" (gateway.conf:4)",
            "routes[0].cors.max-age: must be at least 0ms, was -1000ms (gateway.conf:4)");
        assertThat(problems("cors { allowed-origins = [] }")).containsExactly(
            "routes[0].cors.allowed-origins: must list at least one origin (or *) (gateway.conf:4)");
        assertThat(problems("cors { allowed-origins = [\"https://a.example\"], allowed-headers = [\"*\"], allow-credentials = true }")).containsExactly(
            "routes[0].cors.allowed-headers: * cannot be used with allow-credentials = true; list the headers (gateway.conf:4)");
        assertThat(problems("middlewares = [cors]")).containsExactly("routes[0].middlewares: cors needs the route's cors block (gateway.conf:4)");
    }

    @Test
    void aSplitNamesTheRouteUpstreamAndItsSidesAreChecked() throws Exception {
        RouteSettings route = ConfigLoader.parse("""
            nexus {
              upstreams { a { targets = ["http://127.0.0.1:1"] }, b { targets = ["http://127.0.0.1:2"] } }
              routes = [{ name = r, path = "/r", split-sticky { cookie = "uid" },
                          split = [{ upstream = a, weight = 9 }, { upstream = b, match-header { name = "X-Canary", value = "1" } }] }]
            }
            """, "gateway.conf", Map.of()).routes().get(0);
        assertThat(route.upstream()).isEqualTo("a");
        assertThat(route.traffic().split()).containsExactly(new TrafficPolicy.SplitWay("a", 9, Optional.empty()),
            new TrafficPolicy.SplitWay("b", 1, Optional.of(new TrafficPolicy.MatchHeader("X-Canary", "1"))));
        assertThat(route.traffic().sticky()).contains(new TrafficPolicy.Sticky(Optional.empty(), Optional.of("uid")));
    }

    @Test
    void badSplitsAreNamed() {
        List<String> problems = new java.util.ArrayList<>();
        try {
            ConfigLoader.parse("""
                nexus {
                  upstreams { a { targets = ["http://127.0.0.1:1"] } }
                  routes = [
                    { name = r1, path = "/1", upstream = a, split = [{ upstream = a }] }
                    { name = r2, path = "/2", split = [{ upstream = nope }, { upstream = a, weight = -1 }, 5] }
                    { name = r3, path = "/3", split = [{ upstream = a, weight = 0 }] }
                    { name = r4, path = "/4", split = [{ upstream = a }], split-sticky { header = "X-U", cookie = "c" } }
                    { name = r5, path = "/5", upstream = a, split-sticky { header = "X U" } }
                    { name = r6, path = "/6", split = [] }
                  ]
                }
                """, "gateway.conf", Map.of());
        } catch (InvalidConfigException e) {
            e.problems().forEach(problem -> problems.add(problem.toString()));
        }
        assertThat(problems).containsExactlyInAnyOrder(
            "routes[0].upstream: a route with a split names its upstreams there, not in upstream (gateway.conf:4)",
            "routes[1].split[0].upstream: unknown upstream \"nope\" (gateway.conf:5)",
            "routes[1].split[1].weight: must be between 0 and 1000000, was -1 (gateway.conf:5)",
            "routes[1].split: split[2] must be an object { upstream = \"...\", weight = N } (gateway.conf:5)",
            "routes[2].split: the weights add up to 0: give at least one side a weight (gateway.conf:6)",
            "routes[3].split-sticky: set either header or cookie (gateway.conf:7)",
            "routes[4].split-sticky.header: bad header name \"X U\" (gateway.conf:8)",
            "routes[4].split-sticky: needs the route's split (gateway.conf:8)",
            "routes[5].split: must list at least one upstream (gateway.conf:9)");
    }

    @Test
    void aMirrorIsReadOverItsDefaultsAndBadValuesAreNamed() throws Exception {
        assertThat(route("mirror { upstream = up, percent = 12.5 }").traffic().mirror())
            .contains(new TrafficPolicy.Mirror("up", 12.5, 64 * 1024, 64));
        assertThat(problems("mirror { upstream = nope, percent = 101, max-body = 1GiB, max-in-flight = 0 }")).containsExactlyInAnyOrder(
            "routes[0].mirror.upstream: unknown upstream \"nope\" (gateway.conf:4)",
            "routes[0].mirror.percent: must be between 0 and 100, was 101.0 (gateway.conf:4)",
            "routes[0].mirror.max-body: must be at most 16MiB (each copy in flight holds its body), was 1073741824 (gateway.conf:4)",
            "routes[0].mirror.max-in-flight: must be between 1 and 10000, was 0 (gateway.conf:4)");
        assertThat(problems("mirror { percent = 5 }")).containsExactly("routes[0].mirror.upstream: is required (gateway.conf:4)");
    }

    @Test
    void canonicalPathRefusesWhatTheContainerRefuses() {
        assertThat(CanonicalPath.refusal("/v2/accounts/42")).isNull();
        assertThat(CanonicalPath.refusal("/")).isNull();
        assertThat(CanonicalPath.refusal("/a/")).isNull();
        assertThat(CanonicalPath.refusal("/100%")).isNull();
        assertThat(CanonicalPath.refusal("/a/..")).isEqualTo("a dot segment");
        assertThat(CanonicalPath.refusal("/./a")).isEqualTo("a dot segment");
        assertThat(CanonicalPath.refusal("/a//b")).isEqualTo("an empty segment (//)");
        assertThat(CanonicalPath.refusal("/a/%2E")).isEqualTo("a percent-encoded sequence");
        assertThat(CanonicalPath.refusal("/a\\b")).isEqualTo("a backslash, semicolon or control character");
        assertThat(CanonicalPath.refusal("/a/..;x")).isEqualTo("a backslash, semicolon or control character");
        assertThat(CanonicalPath.refusal("a")).isEqualTo("not an absolute path");
        assertThat(CanonicalPath.refusal("/..a/.b")).isNull();
    }
}
