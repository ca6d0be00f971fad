package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Which route a request takes, over HTTP/1.1 and HTTP/2 (where the host comes as {@code :authority}). */
class RoutingTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("exact")
        .recordingUpstream("api")
        .recordingUpstream("users")
        .recordingUpstream("hosted")
        .recordingUpstream("writes")
        .config("""
            nexus {
              upstreams {
                exact { targets = [${upstreams.exact}] }
                api { targets = [${upstreams.api}] }
                users { targets = [${upstreams.users}] }
                hosted { targets = [${upstreams.hosted}] }
                writes { targets = [${upstreams.writes}] }
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
            """)
        .build();

    private static String servedBy(ContentResponse response) {
        return response.getHeaders().get("X-Upstream");
    }

    @ProtocolTest
    void exactRouteWinsOverPrefix(GatewayClient client) throws Exception {
        assertThat(servedBy(client.get("/api/status"))).isEqualTo("exact");
        assertThat(servedBy(client.get("/api/status/more"))).isEqualTo("api");
    }

    @ProtocolTest
    void prefixMatchesItselfAndDeeperPathsOnly(GatewayClient client) throws Exception {
        assertThat(servedBy(client.get("/api"))).isEqualTo("api");
        assertThat(servedBy(client.get("/api/"))).isEqualTo("api");
        assertThat(servedBy(client.get("/api/orders/7"))).isEqualTo("api");
        assertThat(client.get("/apix").getStatus()).isEqualTo(404);
    }

    @ProtocolTest
    void longestPrefixWins(GatewayClient client) throws Exception {
        assertThat(servedBy(client.get("/api/users"))).isEqualTo("users");
        assertThat(servedBy(client.get("/api/users/42/photos"))).isEqualTo("users");
        assertThat(servedBy(client.get("/api/usersx"))).isEqualTo("api");
    }

    @ProtocolTest
    void hostRouteIsPreferredForItsHost(GatewayClient client) throws Exception {
        ContentResponse tenant = TestGateway.send(client.requestFor("tenant.example.com", "/api/x"));
        assertThat(servedBy(tenant)).isEqualTo("hosted");
        ContentResponse other = TestGateway.send(client.requestFor("other.example.com", "/api/x"));
        assertThat(servedBy(other)).isEqualTo("api");
    }

    @ProtocolTest
    void wildcardHostMatchesSubdomainsOnly(GatewayClient client) throws Exception {
        ContentResponse sub = TestGateway.send(client.requestFor("www.example.org:8080", "/site/a"));
        assertThat(servedBy(sub)).isEqualTo("hosted");
        ContentResponse apex = TestGateway.send(client.requestFor("example.org", "/site/a"));
        assertThat(apex.getStatus()).isEqualTo(404);
    }

    @ProtocolTest
    void otherMethodOnAMatchingPathIs405(GatewayClient client) throws Exception {
        assertThat(servedBy(TestGateway.send(client.request("/orders").method("POST")))).isEqualTo("writes");
        ContentResponse get = client.get("/orders");
        assertThat(get.getStatus()).isEqualTo(405);
        assertThat(get.getHeaders().get("Content-Type")).isEqualTo("application/json");
        assertThat(get.getContentAsString()).contains("\"code\":\"method_not_allowed\"").contains("\"status\":405");
    }

    @ProtocolTest
    void unknownPathIs404NoRouteWithRequestId(GatewayClient client) throws Exception {
        ContentResponse response = client.get("/nowhere");
        assertThat(response.getStatus()).isEqualTo(404);
        assertThat(response.getHeaders().get("Content-Type")).isEqualTo("application/json");
        String id = response.getHeaders().get("X-Request-Id");
        assertThat(id).isNotBlank();
        assertThat(response.getContentAsString())
            .isEqualTo("{\"error\":{\"status\":404,\"code\":\"no_route\",\"cause\":\"route_not_found\",\"message\":\"no route matches this request\",\"request_id\":\"" + id + "\"}}");
    }

    @ProtocolTest
    void dotSegmentsAreResolvedBeforeRouting(GatewayClient client) throws Exception {
        // /api/users/../status normalizes to /api/status: the exact route, not the users prefix.
        assertThat(servedBy(client.get("/api/users/../status"))).isEqualTo("exact");
    }
}
