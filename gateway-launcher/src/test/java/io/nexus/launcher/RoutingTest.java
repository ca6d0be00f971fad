package io.nexus.launcher;

import io.nexus.gateway.testing.RecordingUpstream;
import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RoutingTest {

    static RecordingUpstream exact;
    static RecordingUpstream api;
    static RecordingUpstream users;
    static RecordingUpstream hosted;
    static RecordingUpstream writes;
    static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        exact = RecordingUpstream.start("exact");
        api = RecordingUpstream.start("api");
        users = RecordingUpstream.start("users");
        hosted = RecordingUpstream.start("hosted");
        writes = RecordingUpstream.start("writes");
        gateway = TestGateway.start("""
            nexus {
              upstreams {
                exact { targets = ["%s"] }
                api { targets = ["%s"] }
                users { targets = ["%s"] }
                hosted { targets = ["%s"] }
                writes { targets = ["%s"] }
              }
              routes = [
                { name = "exact-status", path = "/api/status", match = exact, upstream = "exact" }
                { name = "api", path = "/api", upstream = "api" }
                { name = "users", path = "/api/users", upstream = "users" }
                { name = "hosted", path = "/api", host = "tenant.example.com", upstream = "hosted" }
                { name = "wildcard", path = "/site", host = "*.example.org", upstream = "hosted" }
                { name = "writes", path = "/orders", methods = [POST, PUT], upstream = "writes" }
              ]
            }
            """.formatted(exact.url(), api.url(), users.url(), hosted.url(), writes.url()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        for (RecordingUpstream upstream : new RecordingUpstream[] {exact, api, users, hosted, writes}) {
            upstream.close();
        }
    }

    private static String servedBy(ContentResponse response) {
        return response.getHeaders().get("X-Upstream");
    }

    @Test
    void exactRouteWinsOverPrefix() throws Exception {
        assertThat(servedBy(gateway.get("/api/status"))).isEqualTo("exact");
        assertThat(servedBy(gateway.get("/api/status/more"))).isEqualTo("api");
    }

    @Test
    void prefixMatchesItselfAndDeeperPathsOnly() throws Exception {
        assertThat(servedBy(gateway.get("/api"))).isEqualTo("api");
        assertThat(servedBy(gateway.get("/api/"))).isEqualTo("api");
        assertThat(servedBy(gateway.get("/api/orders/7"))).isEqualTo("api");
        assertThat(gateway.get("/apix").getStatus()).isEqualTo(404);
    }

    @Test
    void longestPrefixWins() throws Exception {
        assertThat(servedBy(gateway.get("/api/users"))).isEqualTo("users");
        assertThat(servedBy(gateway.get("/api/users/42/photos"))).isEqualTo("users");
        assertThat(servedBy(gateway.get("/api/usersx"))).isEqualTo("api");
    }

    @Test
    void hostRouteIsPreferredForItsHost() throws Exception {
        ContentResponse tenant = TestGateway.send(gateway.request("/api/x").headers(h -> h.put("Host", "tenant.example.com")));
        assertThat(servedBy(tenant)).isEqualTo("hosted");
        ContentResponse other = TestGateway.send(gateway.request("/api/x").headers(h -> h.put("Host", "other.example.com")));
        assertThat(servedBy(other)).isEqualTo("api");
    }

    @Test
    void wildcardHostMatchesSubdomainsOnly() throws Exception {
        ContentResponse sub = TestGateway.send(gateway.request("/site/a").headers(h -> h.put("Host", "www.example.org:8080")));
        assertThat(servedBy(sub)).isEqualTo("hosted");
        ContentResponse apex = TestGateway.send(gateway.request("/site/a").headers(h -> h.put("Host", "example.org")));
        assertThat(apex.getStatus()).isEqualTo(404);
    }

    @Test
    void otherMethodOnAMatchingPathIs405() throws Exception {
        assertThat(servedBy(TestGateway.send(gateway.request("/orders").method("POST")))).isEqualTo("writes");
        ContentResponse get = gateway.get("/orders");
        assertThat(get.getStatus()).isEqualTo(405);
        assertThat(get.getHeaders().get("Content-Type")).isEqualTo("application/json");
        assertThat(get.getContentAsString()).contains("\"code\":\"method_not_allowed\"").contains("\"status\":405");
    }

    @Test
    void unknownPathIs404NoRouteWithRequestId() throws Exception {
        ContentResponse response = gateway.get("/nowhere");
        assertThat(response.getStatus()).isEqualTo(404);
        assertThat(response.getHeaders().get("Content-Type")).isEqualTo("application/json");
        String id = response.getHeaders().get("X-Request-Id");
        assertThat(id).isNotBlank();
        assertThat(response.getContentAsString())
            .isEqualTo("{\"error\":{\"status\":404,\"code\":\"no_route\",\"message\":\"no route matches this request\",\"request_id\":\"" + id + "\"}}");
    }

    @Test
    void dotSegmentsAreResolvedBeforeRouting() throws Exception {
        // /api/users/../status normalizes to /api/status: the exact route, not the users prefix.
        assertThat(servedBy(gateway.get("/api/users/../status"))).isEqualTo("exact");
    }
}
