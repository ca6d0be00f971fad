package io.nexus.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.InvalidConfigException;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.config.RouteSettings.MatchKind;
import io.nexus.gateway.config.UpstreamSettings;
import io.nexus.gateway.middleware.RouteChain;
import io.nexus.gateway.upstream.Balancer;
import io.nexus.gateway.upstream.Upstream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RouteTableTest {

    private static final Upstream UPSTREAM = upstream();

    private static Upstream upstream() {
        try {
            UpstreamSettings settings = ConfigLoader.parse("nexus.upstreams.up.targets = [\"http://127.0.0.1:1\"]", "test.conf", Map.of())
                .upstreams().get("up");
            return new Upstream(settings, Balancer.roundRobin(List.of()), null, null, null);
        } catch (InvalidConfigException e) {
            throw new AssertionError(e);
        }
    }

    private static Route route(String name, String path, MatchKind match, Set<String> methods, String host) {
        return new Route(new RouteSettings(name, path, match, "up", false, methods, Optional.ofNullable(host), Optional.empty(),
            List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()), UPSTREAM, null, RouteChain.empty());
    }

    private static Route prefix(String name, String path) {
        return route(name, path, MatchKind.PREFIX, Set.of(), null);
    }

    private static String find(RouteTable table, String method, String host, String path) {
        Route route = table.find(method, host, path);
        return route == null ? null : route.name();
    }

    @Test
    void exactBeatsPrefixAndMatchesOnlyItsPath() {
        RouteTable table = RouteTable.of(List.of(prefix("api", "/api"), route("status", "/api/status", MatchKind.EXACT, Set.of(), null)));
        assertThat(find(table, "GET", null, "/api/status")).isEqualTo("status");
        assertThat(find(table, "GET", null, "/api/status/x")).isEqualTo("api");
        assertThat(find(table, "GET", null, "/api/statusx")).isEqualTo("api");
    }

    @Test
    void longestPrefixWinsAtSegmentBoundaries() {
        RouteTable table = RouteTable.of(List.of(prefix("root", "/"), prefix("a", "/a"), prefix("ab", "/a/b"), prefix("abc", "/a/b/c")));
        assertThat(find(table, "GET", null, "/")).isEqualTo("root");
        assertThat(find(table, "GET", null, "/x")).isEqualTo("root");
        assertThat(find(table, "GET", null, "/a")).isEqualTo("a");
        assertThat(find(table, "GET", null, "/ab")).isEqualTo("root");
        assertThat(find(table, "GET", null, "/a/b")).isEqualTo("ab");
        assertThat(find(table, "GET", null, "/a/b/")).isEqualTo("ab");
        assertThat(find(table, "GET", null, "/a/b/cd")).isEqualTo("ab");
        assertThat(find(table, "GET", null, "/a/b/c/d/e")).isEqualTo("abc");
    }

    @Test
    void noRouteWithoutACatchAll() {
        RouteTable table = RouteTable.of(List.of(prefix("a", "/a")));
        assertThat(find(table, "GET", null, "/")).isNull();
        assertThat(find(table, "GET", null, "/b")).isNull();
    }

    @Test
    void methodMismatchFallsBackToShorterPrefixThenReports405() {
        RouteTable table = RouteTable.of(List.of(
            route("writes", "/orders", MatchKind.PREFIX, Set.of("POST"), null),
            prefix("root", "/")));
        assertThat(find(table, "POST", null, "/orders/1")).isEqualTo("writes");
        assertThat(find(table, "GET", null, "/orders/1")).isEqualTo("root");

        RouteTable strict = RouteTable.of(List.of(route("writes", "/orders", MatchKind.PREFIX, Set.of("POST"), null)));
        assertThat(find(strict, "GET", null, "/orders/1")).isNull();
        assertThat(strict.matchesPathWithOtherMethod(null, "/orders/1")).isTrue();
        assertThat(strict.matchesPathWithOtherMethod(null, "/other")).isFalse();
    }

    @Test
    void hostRoutesComeFirstAndWildcardsMatchSubdomainsOnly() {
        RouteTable table = RouteTable.of(List.of(
            prefix("any", "/api"),
            route("tenant", "/api", MatchKind.PREFIX, Set.of(), "tenant.example.com"),
            route("wild", "/api", MatchKind.PREFIX, Set.of("GET"), "*.example.org")));
        assertThat(find(table, "GET", "TENANT.example.com", "/api/x")).isEqualTo("tenant");
        assertThat(find(table, "GET", "other.example.com", "/api/x")).isEqualTo("any");
        assertThat(find(table, "GET", "a.b.example.org", "/api")).isEqualTo("wild");
        assertThat(find(table, "GET", "example.org", "/api")).isEqualTo("any");
        assertThat(find(table, "GET", "badexample.org", "/api")).isEqualTo("any");
        assertThat(find(table, "GET", null, "/api")).isEqualTo("any");
    }

    @Test
    void manyChildrenUseTheHashedIndex() {
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            routes.add(prefix("r" + i, "/svc" + i + "/v1"));
        }
        RouteTable table = RouteTable.of(routes);
        for (int i = 0; i < 50; i++) {
            assertThat(find(table, "GET", null, "/svc" + i + "/v1/items")).isEqualTo("r" + i);
            assertThat(find(table, "GET", null, "/svc" + i + "/v2")).isNull();
        }
    }

    @Test
    void stripPrefixKeepsALeadingSlash() {
        Route strip = new Route(new RouteSettings("s", "/api", MatchKind.PREFIX, "up", true, Set.of(), Optional.empty(), Optional.empty(),
            List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()), UPSTREAM, null, RouteChain.empty());
        assertThat(strip.upstreamPath("/api")).isEqualTo("/");
        assertThat(strip.upstreamPath("/api/")).isEqualTo("/");
        assertThat(strip.upstreamPath("/api/users/7")).isEqualTo("/users/7");
        Route root = new Route(new RouteSettings("r", "/", MatchKind.PREFIX, "up", true, Set.of(), Optional.empty(), Optional.empty(),
            List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()), UPSTREAM, null, RouteChain.empty());
        assertThat(root.upstreamPath("/x")).isEqualTo("/x");
    }
}
