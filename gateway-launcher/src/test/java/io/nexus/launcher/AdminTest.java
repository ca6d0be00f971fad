package io.nexus.launcher;

import io.nexus.gateway.testing.RecordingUpstream;
import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AdminTest {

    static final String TOKEN = "test-admin-token-0123456789";
    static RecordingUpstream upstream;
    static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = RecordingUpstream.start("up");
        gateway = TestGateway.start("""
            nexus {
              admin { token = "%s" }
              upstreams { api { targets = ["%s"] } }
              routes = [{ name = "shop", path = "/shop", upstream = "api" }]
            }
            """.formatted(TOKEN, upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @Test
    void probesAndMetricsNeedNoToken() throws Exception {
        assertThat(TestGateway.send(gateway.adminRequest("/healthz")).getStatus()).isEqualTo(200);
        ContentResponse ready = TestGateway.send(gateway.adminRequest("/readyz"));
        assertThat(ready.getStatus()).isEqualTo(200);
        assertThat(ready.getContentAsString()).isEqualTo("ready\n");
        assertThat(TestGateway.send(gateway.adminRequest("/metrics")).getStatus()).isEqualTo(200);
    }

    @Test
    void apiWithoutTokenIs401WithChallenge() throws Exception {
        ContentResponse response = TestGateway.send(gateway.adminRequest("/api/v1/routes"));
        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(response.getHeaders().get("WWW-Authenticate")).startsWith("Bearer");
        assertThat(response.getContentAsString()).contains("\"code\":\"unauthorized\"");
    }

    @Test
    void apiWithWrongTokenIs401() throws Exception {
        ContentResponse response = TestGateway.send(gateway.adminRequest("/api/v1/routes")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN + "x")));
        assertThat(response.getStatus()).isEqualTo(401);
    }

    @Test
    void apiWithTokenListsRoutes() throws Exception {
        ContentResponse response = TestGateway.send(gateway.adminRequest("/api/v1/routes")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN)));
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getHeaders().get("Content-Type")).isEqualTo("application/json");
        assertThat(response.getContentAsString()).contains("\"name\" : \"shop\"").contains("\"upstream\" : \"api\"")
            .contains(upstream.url()).contains("\"healthy\" : true");
    }

    @Test
    void readEndpointsAnswerHeadAndRefuseOtherMethodsByName() throws Exception {
        for (String path : new String[] {"/healthz", "/api/v1/routes", "/api/v1/config/versions", "/api/v1/debug/jfr/1"}) {
            assertThat(TestGateway.send(gateway.adminRequest(path).method("HEAD")
                .headers(h -> h.put("Authorization", "Bearer " + TOKEN))).getStatus()).as(path).isIn(200, 404);
            ContentResponse refused = TestGateway.send(gateway.adminRequest(path).method("DELETE")
                .headers(h -> h.put("Authorization", "Bearer " + TOKEN)));
            assertThat(refused.getStatus()).as(path).isEqualTo(405);
            assertThat(refused.getContentAsString()).as(path)
                .contains("\"code\":\"method_not_allowed\"").contains("\"message\":\"" + path + " answers GET\"");
        }
    }

    @Test
    void adminEndpointsAreNotOnThePublicPort() throws Exception {
        for (String path : new String[] {"/healthz", "/readyz", "/metrics", "/api/v1/routes", "/_nexus/healthz"}) {
            ContentResponse response = gateway.get(path);
            assertThat(response.getStatus()).as(path).isEqualTo(404);
            assertThat(response.getContentAsString()).as(path).contains("\"code\":\"no_route\"");
        }
    }

    @Test
    void proxyIsNotOnTheAdminPort() throws Exception {
        upstream.clear();
        ContentResponse response = TestGateway.send(gateway.adminRequest("/shop/x"));
        assertThat(response.getStatus()).isEqualTo(404);
        assertThat(upstream.pending()).isZero();
        assertThat(gateway.get("/shop/x").getHeaders().get("X-Upstream")).isEqualTo("up");
    }

    @Test
    void apiIsRefusedToAllWithoutAConfiguredToken() throws Exception {
        try (TestGateway open = TestGateway.start("nexus { }")) {
            ContentResponse response = TestGateway.send(open.adminRequest("/api/v1/routes")
                .headers(h -> h.put("Authorization", "Bearer anything-at-all-123456")));
            assertThat(response.getStatus()).isEqualTo(403);
            assertThat(response.getContentAsString()).contains("\"code\":\"forbidden\"");
        }
    }
}
