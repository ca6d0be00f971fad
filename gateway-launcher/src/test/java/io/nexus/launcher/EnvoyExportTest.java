package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * {@code export --format envoy}, checked for structure only: no Envoy binary is available to the
 * build (docs/data-plane-switch.md says how to validate with {@code envoy --mode validate}). The
 * output must be YAML that parses, with the listener, routes and clusters of the config in the
 * shape of Envoy's v3 bootstrap.
 */
class EnvoyExportTest {

    @TempDir
    static Path dir;

    static Map<String, Object> bootstrap;
    static String gaps;

    @BeforeAll
    static void export() throws Exception {
        Path config = dir.resolve("gateway.conf");
        Files.writeString(config, """
            nexus {
              server { host = "127.0.0.1", port = 8080 }
              upstreams {
                backend { targets = ["http://10.0.0.1:8080", { url = "http://10.0.0.2:8080", weight = 3 }],
                          balancer = weighted-round-robin, connect-timeout = 1500ms, request-timeout = 10s }
                search { targets = ["http://search.internal:9200"], balancer = random,
                         health-check.active { enabled = true, path = "/_health" } }
                stable { targets = ["http://10.0.3.1:8080"] }
                canary { targets = ["http://10.0.3.2:8080"] }
              }
              routes = [
                { name = "api", path = "/api", upstream = "backend", strip-prefix = true, retries { attempts = 3 } }
                { name = "api-users", path = "/api/users", upstream = "backend", methods = [GET], request-timeout = 2s }
                { name = "search", path = "/search", match = exact, upstream = "search", host = "search.example.com" }
                { name = "users", path = "/users", upstream = "backend", strip-prefix = true, host = "shop.example.com",
                  rewrite { regex = "^/([0-9]+)$", replacement = "/v2/accounts/$1" }
                  headers {
                    request { set { "X-Env" = "prod", "X-Client" = "${client_ip} via ${route}", "X-Share" = "100%" },
                              add { "X-Tag" = "${request_id}" }, remove = ["X-Debug", "Forwarded"] }
                    response { set { "X-Route" = "${route}" }, remove = ["X-Internal"] }
                  } }
                { name = "legacy", path = "/legacy", upstream = "backend", host = "shop.example.com",
                  rewrite { regex = "/old/(?<rest>[a-z]+)", replacement = "/new/${rest}" } }
                { name = "shop", path = "/shop", host = "shop.example.com", split-sticky { header = "X-User" },
                  split = [ { upstream = "stable", weight = 90 },
                            { upstream = "canary", weight = 10, match-header { name = "X-Canary", value = "1" } } ]
                  mirror { upstream = "search", percent = 25 }
                  cors { allowed-origins = ["https://app.example.com"] } }
              ]
            }
            """);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ExportCommand.run(new String[] {"--format", "envoy", "--config", config.toString()}, Map.of(),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        gaps = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(gaps).isZero();
        bootstrap = new Yaml(new SafeConstructor(new LoaderOptions())).load(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theListenerRunsTheHttpConnectionManagerWithTheRouter() {
        Map<String, Object> listener = first(list(bootstrap, "static_resources", "listeners"));
        assertThat(value(listener, "address", "socket_address")).isEqualTo(Map.of("address", "127.0.0.1", "port_value", 8080));
        Map<String, Object> manager = at(first(list(first(list(listener, "filter_chains")), "filters")), "typed_config");
        assertThat(value(manager, "@type"))
            .isEqualTo("type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
        assertThat(manager).containsEntry("use_remote_address", true).containsEntry("preserve_external_request_id", true);
        assertThat(value(first(list(manager, "http_filters")), "typed_config", "@type"))
            .isEqualTo("type.googleapis.com/envoy.extensions.filters.http.router.v3.Router");
    }

    @Test
    void routesAreOrderedAsNexusMatchesThemWithStripPrefixTimeoutsRetriesAndMethods() {
        List<Map<String, Object>> routes = list(virtualHost("any"), "routes");
        assertThat(routes).extracting(route -> at(route, "match")).containsExactly(
            Map.of("path", "/api/users", "headers", List.of(Map.of("name", ":method", "string_match", Map.of("safe_regex", Map.of("regex", "^(GET)$"))))),
            Map.of("path", "/api"),
            Map.of("prefix", "/api/users/", "headers", List.of(Map.of("name", ":method", "string_match", Map.of("safe_regex", Map.of("regex", "^(GET)$"))))),
            Map.of("prefix", "/api/"));
        Map<String, Object> api = at(routes.get(3), "route");
        assertThat(api).containsEntry("cluster", "backend").containsEntry("prefix_rewrite", "/").containsEntry("timeout", "10s");
        assertThat(at(api, "retry_policy")).containsEntry("num_retries", 2).containsEntry("retry_on", "connect-failure,reset,retriable-status-codes")
            .containsEntry("retriable_status_codes", List.of(502, 503, 504));
        assertThat(at(routes.get(0), "route")).containsEntry("timeout", "2s").doesNotContainKey("prefix_rewrite");
        // Without a retries block of its own, a route has its upstream's: by default one retry of a connection failure.
        assertThat(at(at(routes.get(0), "route"), "retry_policy")).containsEntry("num_retries", 1).containsEntry("retry_on", "connect-failure,reset");
    }

    @Test
    void aRouteWithAHostHasAVirtualHostOfItsOwnThatAlsoHoldsTheRoutesForAnyHost() {
        Map<String, Object> search = virtualHost("search.example.com");
        assertThat(search.get("domains")).isEqualTo(List.of("search.example.com", "search.example.com:*"));
        assertThat(list(search, "routes")).extracting(route -> route.get("name")).containsExactly("api-users", "search", "api", "api-users", "api");
        assertThat(value(virtualHost("any"), "domains")).isEqualTo(List.of("*"));
        assertThat(list(virtualHost("any"), "routes")).extracting(route -> route.get("name")).doesNotContain("search");
    }

    @Test
    void clustersCarryBalancerWeightsTimeoutsAndHealthChecks() {
        Map<String, Object> backend = cluster("backend");
        assertThat(backend).containsEntry("lb_policy", "ROUND_ROBIN").containsEntry("connect_timeout", "1.5s").containsEntry("type", "STRICT_DNS");
        List<Map<String, Object>> endpoints = list(first(list(backend, "load_assignment", "endpoints")), "lb_endpoints");
        assertThat(endpoints).extracting(endpoint -> endpoint.get("load_balancing_weight")).containsExactly(1, 3);
        assertThat(value(endpoints.get(1), "endpoint", "address")).isEqualTo(Map.of("socket_address", Map.of("address", "10.0.0.2", "port_value", 8080)));
        assertThat(at(backend, "outlier_detection")).containsEntry("consecutive_5xx", 5).containsEntry("base_ejection_time", "30s");

        Map<String, Object> search = cluster("search");
        assertThat(search).containsEntry("lb_policy", "RANDOM");
        assertThat(at(first(list(search, "health_checks")), "http_health_check")).containsEntry("path", "/_health");
    }

    @Test
    void headerEditsBecomeTheRouteHeaderMutationsOverTheGatewaysOwn() {
        Map<String, Object> users = routes("shop.example.com", "users").getFirst();
        assertThat(list(users, "request_headers_to_add")).extracting(header -> List.of(at(header, "header").get("key"),
            at(header, "header").get("value"), header.get("append_action"))).containsExactlyInAnyOrder(
            List.of("x-forwarded-host", "%REQ(:AUTHORITY)%", "OVERWRITE_IF_EXISTS_OR_ADD"),
            List.of("X-Env", "prod", "OVERWRITE_IF_EXISTS_OR_ADD"),
            List.of("X-Client", "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% via users", "OVERWRITE_IF_EXISTS_OR_ADD"),
            List.of("X-Share", "100%%", "OVERWRITE_IF_EXISTS_OR_ADD"),
            List.of("X-Tag", "%REQ(x-request-id)%", "APPEND_IF_EXISTS_OR_ADD"));
        assertThat(users.get("request_headers_to_remove")).isEqualTo(List.of("X-Debug", "Forwarded"));
        assertThat(users.get("response_headers_to_add")).isEqualTo(List.of(Map.of("header", Map.of("key", "X-Route", "value", "users"),
            "append_action", "OVERWRITE_IF_EXISTS_OR_ADD")));
        assertThat(users.get("response_headers_to_remove")).isEqualTo(List.of("X-Internal"));
    }

    /** Envoy's first matching entry and its rewrite, applied as Envoy applies them (regex_rewrite replaces every match). */
    @ParameterizedTest
    @CsvSource({
        "/users/42, /v2/accounts/42",
        "/users/7/orders, /7/orders",
        "/users, /",
        "/users/, /",
        "/legacy/a/old/b/old/c, /legacy/a/new/b/old/c",
        "/legacy/old/x, /legacy/new/x",
        "/legacy/x, /legacy/x",
        "/legacy, /legacy",
    })
    void theRewrittenPathIsTheOneNexusSends(String path, String upstreamPath) {
        Map<String, Object> route = list(virtualHost("shop.example.com"), "routes").stream().filter(entry -> matches(at(entry, "match"), path))
            .findFirst().orElseThrow();
        Map<String, Object> action = at(route, "route");
        String sent = path;
        if (action.containsKey("regex_rewrite")) {
            Map<String, Object> rewrite = at(action, "regex_rewrite");
            String regex = ((String) value(rewrite, "pattern", "regex")).replace("(?P<", "(?<");
            sent = Pattern.compile(regex).matcher(path).replaceAll(((String) rewrite.get("substitution")).replaceAll("\\\\(\\d)", "\\$$1"));
        } else if (action.containsKey("prefix_rewrite")) {
            Map<String, Object> match = at(route, "match");
            String prefix = (String) match.getOrDefault("prefix", match.get("path"));
            sent = action.get("prefix_rewrite") + path.substring(prefix.length());
        }
        assertThat(sent).isEqualTo(upstreamPath);
    }

    @Test
    void aSplitIsAMatchHeaderEntryThenWeightedClustersWithTheMirror() {
        List<Map<String, Object>> shop = routes("shop.example.com", "shop");
        assertThat(shop).hasSize(4);
        Map<String, Object> canary = shop.getFirst();
        assertThat(value(canary, "match", "headers")).isEqualTo(List.of(Map.of("name", "X-Canary", "string_match", Map.of("exact", "1"))));
        assertThat(at(canary, "route")).containsEntry("cluster", "canary");
        Map<String, Object> weighted = at(shop.get(1), "route");
        assertThat(value(weighted, "weighted_clusters", "clusters")).isEqualTo(List.of(Map.of("name", "stable", "weight", 90),
            Map.of("name", "canary", "weight", 10)));
        assertThat(weighted.get("request_mirror_policies")).isEqualTo(List.of(Map.of("cluster", "search",
            "runtime_fraction", Map.of("default_value", Map.of("numerator", 250000, "denominator", "MILLION")))));
        assertThat(at(canary, "route")).containsKey("request_mirror_policies");
    }

    @Test
    void whatEnvoyCannotCarryIsListedOnStderr() {
        assertThat(gaps).contains("not exported to envoy: routes[0].retries.budget-percent: no retry budget")
            .contains("routes[1].methods: another method finds no route: 404 instead of 405")
            .contains("upstreams.backend.circuit-breaker: no equivalent")
            .contains("routes[5].cors: not exported")
            .contains("routes[5].split-sticky: not exported")
            .contains("routes[5].mirror: Envoy sends the copy with -shadow appended")
            .contains("routes[3].rewrite: a rewritten path with a dot or empty segment goes upstream");
    }

    /** Whether an entry's match takes a path (without a query), as Envoy decides. */
    @SuppressWarnings("unchecked")
    private static boolean matches(Map<String, Object> match, String path) {
        for (Map<String, Object> header : (List<Map<String, Object>>) match.getOrDefault("headers", List.of())) {
            Map<String, Object> condition = at(header, "string_match");
            if (!header.get("name").equals(":path") || !path.startsWith((String) condition.get("prefix"))) {
                return false;
            }
        }
        if (match.containsKey("safe_regex")) {
            return Pattern.compile(((String) value(match, "safe_regex", "regex")).replace("(?P<", "(?<")).matcher(path).matches();
        }
        return match.containsKey("path") ? path.equals(match.get("path")) : path.startsWith((String) match.get("prefix"));
    }

    private static List<Map<String, Object>> routes(String host, String name) {
        return list(virtualHost(host), "routes").stream().filter(route -> route.get("name").equals(name)).toList();
    }

    private static Map<String, Object> virtualHost(String name) {
        Map<String, Object> manager = at(first(list(first(list(first(list(bootstrap, "static_resources", "listeners")), "filter_chains")),
            "filters")), "typed_config");
        List<Map<String, Object>> hosts = list(at(manager, "route_config"), "virtual_hosts");
        return hosts.stream().filter(host -> host.get("name").equals(name)).findFirst().orElseThrow();
    }

    private static Map<String, Object> cluster(String name) {
        List<Map<String, Object>> clusters = list(bootstrap, "static_resources", "clusters");
        return clusters.stream().filter(cluster -> cluster.get("name").equals(name)).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static Object value(Map<String, Object> map, String... keys) {
        Object value = map;
        for (String key : keys) {
            assertThat(value).as("object holding %s", key).isInstanceOf(Map.class);
            value = ((Map<String, Object>) value).get(key);
            assertThat(value).as(key).isNotNull();
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> at(Map<String, Object> map, String... keys) {
        return (Map<String, Object>) value(map, keys);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> map, String... keys) {
        return (List<Map<String, Object>>) value(map, keys);
    }

    private static Map<String, Object> first(List<Map<String, Object>> list) {
        assertThat(list).isNotEmpty();
        return list.getFirst();
    }
}
