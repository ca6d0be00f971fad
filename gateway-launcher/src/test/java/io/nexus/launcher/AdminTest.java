package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nexus.gateway.testing.RecordingUpstream;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AdminTest {

    static final String TOKEN = "test-admin-token-0123456789";

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .recordingUpstream("canary")
        .config("""
            nexus {
              admin { token = "%s" }
              upstreams { api { targets = [${upstreams.up}] } }
              routes = [{ name = "shop", path = "/shop", upstream = "api" }]
            }
            """.formatted(TOKEN))
        .build();

    @Test
    void probesAndMetricsNeedNoToken() throws Exception {
        assertThat(TestGateway.send(nexus.adminRequest("/healthz")).getStatus()).isEqualTo(200);
        ContentResponse ready = TestGateway.send(nexus.adminRequest("/readyz"));
        assertThat(ready.getStatus()).isEqualTo(200);
        assertThat(ready.getContentAsString()).isEqualTo("ready\n");
        assertThat(TestGateway.send(nexus.adminRequest("/metrics")).getStatus()).isEqualTo(200);
    }

    @Test
    void apiWithoutTokenIs401WithChallenge() throws Exception {
        ContentResponse response = TestGateway.send(nexus.adminRequest("/api/v1/routes"));
        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(response.getHeaders().get("WWW-Authenticate")).startsWith("Bearer");
        assertThat(response.getContentAsString()).contains("\"code\":\"unauthorized\"");
    }

    @Test
    void apiWithWrongTokenIs401() throws Exception {
        ContentResponse response = TestGateway.send(nexus.adminRequest("/api/v1/routes")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN + "x")));
        assertThat(response.getStatus()).isEqualTo(401);
    }

    @Test
    void apiWithTokenListsRoutes() throws Exception {
        ContentResponse response = TestGateway.send(nexus.adminRequest("/api/v1/routes")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN)));
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getHeaders().get("Content-Type")).isEqualTo("application/json");
        assertThat(response.getContentAsString()).contains("\"name\" : \"shop\"").contains("\"upstream\" : \"api\"")
            .contains(nexus.url("up")).contains("\"healthy\" : true").contains("\"priority\" : \"normal\"");
    }

    @Test
    void routeListShowsMiddlewaresInRunOrderWithTheRateLimitAndTheAuthProviderButNoKeys() throws Exception {
        String keyHash = AuthTest.sha256("listed-key-0123456789");
        TestGateway gateway = nexus.startGateway("""
            nexus {
              admin { token = "%s" }
              auth { ops { type = api-key, keys = [{ id = "ops", sha256 = "%s" }] } }
              upstreams { api { targets = [${upstreams.up}] } }
              routes = [{ name = "guarded", path = "/g", upstream = "api", middlewares = [fault], auth = ops,
                          rate-limit { requests = 7, window = 2s, key = header, header = "X-Tenant" } }]
            }
            """.formatted(TOKEN, keyHash));
        JsonNode route = ConfigVersionsTest.JSON.readTree(TestGateway.send(gateway.adminRequest("/api/v1/routes")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN))).getContentAsString()).path("routes").path(0);
        // Priorities: rate-limit 300, auth 400, fault 500, whatever order the config wrote.
        assertThat(route.path("middlewares")).extracting(JsonNode::asText).containsExactly("rate-limit", "auth", "fault");
        assertThat(route.path("rate_limit").toString()).isEqualTo("{\"requests\":7,\"window_ms\":2000,\"key\":\"header\",\"header\":\"X-Tenant\"}");
        assertThat(route.path("auth").toString()).isEqualTo("{\"provider\":\"ops\",\"type\":\"api-key\",\"required_scopes\":[]}");
        assertThat(route.toString()).doesNotContain(keyHash);
    }

    @Test
    void routeListShowsEachSideOfASplitAndTheTrafficPolicyWithoutHeaderValues() throws Exception {
        TestGateway gateway = nexus.startGateway("""
            nexus {
              admin { token = "%s" }
              upstreams { api { targets = [${upstreams.up}] }, canary { targets = [${upstreams.canary}] }, shadow { targets = [${upstreams.up}] } }
              routes = [
                { name = "shop", path = "/shop", split-sticky { cookie = "user" }, websocket = true,
                  split = [ { upstream = "api", weight = 90 },
                            { upstream = "canary", weight = 10, match-header { name = "X-Canary", value = "1" } } ]
                  mirror { upstream = "shadow", percent = 25 }
                  rewrite { regex = "^/([0-9]+)$", replacement = "/v2/$1" }
                  headers { request { set { "Authorization" = "Basic c2VjcmV0LXZhbHVl", "X-Env" = "prod" }, remove = ["X-Debug"] }
                            response { add { "X-Route" = "${route}" } } }
                  cors { allowed-origins = ["https://app.example.com"], allow-credentials = true } }
                { name = "plain", path = "/plain", upstream = "api" }
              ]
            }
            """.formatted(TOKEN));
        ContentResponse response = TestGateway.send(gateway.adminRequest("/api/v1/routes")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN)));
        JsonNode routes = ConfigVersionsTest.JSON.readTree(response.getContentAsString()).path("routes");
        JsonNode shop = routes.path(0);
        // Kept for readers from before splits: the first side's name.
        assertThat(shop.path("upstream").asText()).isEqualTo("api");
        JsonNode split = shop.path("split");
        assertThat(split).hasSize(2);
        assertThat(split.path(0).path("upstream").asText()).isEqualTo("api");
        assertThat(split.path(0).path("weight").asInt()).isEqualTo(90);
        assertThat(split.path(0).path("match_header").isNull()).isTrue();
        assertThat(split.path(0).path("targets").path(0).path("url").asText()).isEqualTo(nexus.url("up"));
        assertThat(split.path(1).path("upstream").asText()).isEqualTo("canary");
        assertThat(split.path(1).path("weight").asInt()).isEqualTo(10);
        assertThat(split.path(1).path("match_header").toString()).isEqualTo("{\"name\":\"X-Canary\",\"value\":\"1\"}");
        assertThat(split.path(1).path("targets").path(0).path("url").asText()).isEqualTo(nexus.url("canary"));
        assertThat(split.path(1).path("targets").path(0).path("healthy").asBoolean()).isTrue();
        assertThat(shop.path("split_sticky").toString()).isEqualTo("{\"header\":null,\"cookie\":\"user\"}");

        JsonNode traffic = shop.path("traffic");
        assertThat(traffic.path("headers").path("request").toString())
            .isEqualTo("{\"remove\":[\"X-Debug\"],\"set\":[\"Authorization\",\"X-Env\"],\"add\":[]}");
        assertThat(traffic.path("headers").path("response").toString()).isEqualTo("{\"remove\":[],\"set\":[],\"add\":[\"X-Route\"]}");
        assertThat(traffic.path("rewrite").toString()).contains("\"regex\":\"^/([0-9]+)$\"").contains("\"replacement\":\"/v2/$1\"");
        assertThat(traffic.path("cors").toString()).isEqualTo("{\"allowed_origins\":[\"https://app.example.com\"],\"allow_credentials\":true}");
        assertThat(traffic.path("mirror").toString()).isEqualTo("{\"upstream\":\"shadow\",\"percent\":25.0}");
        assertThat(traffic.path("websocket").asBoolean()).isTrue();
        // Header values may be credentials for the upstream: only names are listed.
        assertThat(response.getContentAsString()).doesNotContain("c2VjcmV0LXZhbHVl").doesNotContain("prod");

        JsonNode plain = routes.path(1);
        assertThat(plain.path("split").isNull()).isTrue();
        assertThat(plain.path("split_sticky").isNull()).isTrue();
        assertThat(plain.path("traffic").toString())
            .isEqualTo("{\"headers\":null,\"rewrite\":null,\"cors\":null,\"mirror\":null,\"websocket\":false}");
    }

    @Test
    void readEndpointsAnswerHeadAndRefuseOtherMethodsByName() throws Exception {
        for (String path : new String[] {"/healthz", "/api/v1/routes", "/api/v1/config/versions", "/api/v1/debug/jfr/1"}) {
            assertThat(TestGateway.send(nexus.adminRequest(path).method("HEAD")
                .headers(h -> h.put("Authorization", "Bearer " + TOKEN))).getStatus()).as(path).isIn(200, 404);
            ContentResponse refused = TestGateway.send(nexus.adminRequest(path).method("DELETE")
                .headers(h -> h.put("Authorization", "Bearer " + TOKEN)));
            assertThat(refused.getStatus()).as(path).isEqualTo(405);
            assertThat(refused.getContentAsString()).as(path)
                .contains("\"code\":\"method_not_allowed\"").contains("\"message\":\"" + path + " answers GET\"");
        }
    }

    @Test
    void adminEndpointsAreNotOnThePublicPort() throws Exception {
        for (String path : new String[] {"/healthz", "/readyz", "/metrics", "/api/v1/routes", "/_nexus/healthz", "/ui/", "/_nexus/ui/"}) {
            ContentResponse response = nexus.get(path);
            assertThat(response.getStatus()).as(path).isEqualTo(404);
            assertThat(response.getContentAsString()).as(path).contains("\"code\":\"no_route\"");
        }
    }

    @Test
    void proxyIsNotOnTheAdminPort() throws Exception {
        RecordingUpstream upstream = nexus.upstream("up");
        upstream.clear();
        ContentResponse response = TestGateway.send(nexus.adminRequest("/shop/x"));
        assertThat(response.getStatus()).isEqualTo(404);
        assertThat(upstream.pending()).isZero();
        assertThat(nexus.get("/shop/x").getHeaders().get("X-Upstream")).isEqualTo("up");
    }

    @Test
    void apiIsRefusedToAllWithoutAConfiguredToken() throws Exception {
        TestGateway open = nexus.startGateway("nexus { }");
        ContentResponse response = TestGateway.send(open.adminRequest("/api/v1/routes")
            .headers(h -> h.put("Authorization", "Bearer anything-at-all-123456")));
        assertThat(response.getStatus()).isEqualTo(403);
        assertThat(response.getContentAsString()).contains("\"code\":\"forbidden\"");
    }
}
