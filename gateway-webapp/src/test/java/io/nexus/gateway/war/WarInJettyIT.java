package io.nexus.gateway.war;

import static io.nexus.gateway.war.WarDeployment.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexus.gateway.testing.HostileCorpus;
import io.nexus.gateway.testing.RecordingUpstream;
import io.nexus.gateway.testing.RecordingUpstream.Recorded;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * nexus-gateway.war in a stock Jetty base made with {@code --add-modules=http,ee10-deploy},
 * deployed as {@code root.war}, its config named by {@code -Dnexus.config} in
 * {@code start.d/nexus.ini}: the proxy, its filters and the {@code /_nexus} admin endpoints
 * work over real HTTP.
 */
@Timeout(30)
class WarInJettyIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final WarDeployment nexus = WarDeployment.inStockBase(upstream -> """
        nexus {
          upstreams {
            backend { targets = ["%1$s"] }
            h2c-backend { targets = ["%1$s"], protocol = h2c }
          }
          routes = [
            { name = "api", path = "/api", upstream = "backend", strip-prefix = true }
            { name = "keep", path = "/keep", upstream = "backend" }
            { name = "policy", path = "/policy", upstream = "backend", strip-prefix = true, methods = [GET],
              rewrite { regex = "^/users/([0-9]+)$", replacement = "/v2/accounts/$1" }
              headers { request { set { "X-Env" = "war" }, remove = ["X-Secret"] }, response { set { "X-Route" = "${route}" } } }
              cors { allowed-origins = ["https://app.example.com"], allow-credentials = true } }
            { name = "catch-all", path = "/", host = "catch-all.test", upstream = "backend" }
            { name = "h2c", path = "/h2c", upstream = "h2c-backend", strip-prefix = true }
          ]
          admin { token = "%2$s" }
        }
        """.formatted(upstream, ADMIN_TOKEN));

    @Test
    void anH2cUpstreamIsSpokenToInHttp2FromInsideAStockJetty() throws Exception {
        assertThat(nexus.request("/h2c/over-h2").send().getStatus()).isEqualTo(200);
        Recorded seen = nexus.upstream().takeRequest();
        assertThat(seen.path()).isEqualTo("/over-h2");
        assertThat(seen.version()).isEqualTo("HTTP/2.0");
    }

    @Test
    void editingTheConfigFileAddsARouteWithoutARedeploy() throws Exception {
        String config = java.nio.file.Files.readString(nexus.configFile());
        java.nio.file.Files.writeString(nexus.configFile(),
            config.replace("host = \"catch-all.test\", upstream = \"backend\" }",
                "host = \"catch-all.test\", upstream = \"backend\" }\n    { name = \"added\", path = \"/added\", upstream = \"backend\" }"));
        await().atMost(Duration.ofSeconds(10)).until(() -> nexus.request("/added/x").send().getStatus() == 200);
        assertThat(nexus.request("/api/users/1").send().getStatus()).isEqualTo(200);
        // The copy is saved just after the new version goes live: wait for it too.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
            assertThat(java.nio.file.Files.readString(nexus.configFile().resolveSibling("last-known-good.conf"))).contains("name = \"added\""));
    }

    @Test
    void routedRequestReachesTheUpstreamWithoutItsPrefix() throws Exception {
        ContentResponse response = nexus.request("/api/users/42?expand=orders").send();

        assertThat(response.getStatus()).isEqualTo(200);
        String requestId = response.getHeaders().get("X-Request-Id");
        assertThat(requestId).isNotBlank();
        Recorded received = nexus.upstream().takeRequest();
        assertThat(received.method()).isEqualTo("GET");
        assertThat(received.path()).isEqualTo("/users/42");
        assertThat(received.query()).isEqualTo("expand=orders");
        assertThat(received.header("X-Request-Id")).isEqualTo(requestId);
        assertThat(received.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(received.header("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(received.header("X-Forwarded-Host")).isEqualTo(nexus.authority());
        assertThat(JSON.readTree(response.getContentAsString()).path("path").asText()).isEqualTo("/users/42");
    }

    @Test
    void headerEditsRewriteAndCorsWorkInsideAStockJetty() throws Exception {
        ContentResponse response = nexus.request("/policy/users/7")
            .headers(h -> h.put("Origin", "https://app.example.com").put("X-Secret", "s")).send();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getHeaders().get("Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");
        assertThat(response.getHeaders().get("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(response.getHeaders().getValuesList("Vary")).anySatisfy(vary -> assertThat(vary).contains("Origin"));
        assertThat(response.getHeaders().get("X-Route")).isEqualTo("policy");
        Recorded received = nexus.upstream().takeRequest();
        assertThat(received.path()).isEqualTo("/v2/accounts/7");
        assertThat(received.header("X-Env")).isEqualTo("war");
        assertThat(received.header("X-Secret")).isNull();

        ContentResponse preflight = nexus.request("/policy/users/7").method(org.eclipse.jetty.http.HttpMethod.OPTIONS)
            .headers(h -> h.put("Origin", "https://app.example.com").put("Access-Control-Request-Method", "POST")).send();
        assertThat(preflight.getStatus()).isEqualTo(204);
        assertThat(preflight.getHeaders().get("Access-Control-Allow-Methods")).isEqualTo("GET, HEAD, POST");
        ContentResponse evil = nexus.request("/policy/users/7").headers(h -> h.put("Origin", "https://app.example.com.evil.net")).send();
        assertThat(evil.getStatus()).isEqualTo(403);
        assertThat(evil.getContentAsString()).contains("\"cause\":\"cors_origin_not_allowed\"");
        assertThat(nexus.upstream().pending()).isZero();
    }

    /** Servlet 6.0 has no interim responses: the WAR reaches the server's own through its class loader. */
    @Test
    void earlyHintsFromTheUpstreamReachTheClientInsideAStockJetty() throws Exception {
        String[] hostPort = nexus.authority().split(":");
        try (Socket socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /api/page?bytes=5&early-hint=%3C%2Fapp.js%3E%3B%20rel%3Dpreload HTTP/1.1\r\nHost: "
                + nexus.authority() + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String raw = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(raw).startsWith("HTTP/1.1 103 Early Hints\r\n").contains("Link: </app.js>; rel=preload\r\n");
            assertThat(raw.substring(raw.indexOf("\r\n\r\n") + 4)).startsWith("HTTP/1.1 200 OK\r\n");
        }
    }

    /** An event stream flows inside a stock Jetty too: the first event arrives while the upstream holds back the next. */
    @Test
    void anEventStreamFlowsInsideAStockJetty() throws Exception {
        String[] hostPort = nexus.authority().split(":");
        try (Socket socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /api/stream HTTP/1.1\r\nHost: " + nexus.authority() + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            java.io.InputStream in = socket.getInputStream();
            StringBuilder received = new StringBuilder();
            // Had the servlet response buffered it, nothing would come until the release below.
            while (received.indexOf("data: first\n\n") < 0) {
                int b = in.read();
                assertThat(b).as("the stream ended before its first event: %s", received).isNotNegative();
                received.append((char) b);
            }
            assertThat(received.toString()).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Type: text/event-stream");
            nexus.upstream().release();
            String rest = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(rest).contains("data: second\n\n");
        } finally {
            nexus.upstream().rearm();
        }
    }

    @Test
    void requestBodyAndClientRequestIdReachTheUpstream() throws Exception {
        ContentResponse response = nexus.request("/api/orders")
            .method(HttpMethod.POST)
            .headers(headers -> headers.put("X-Request-Id", "client-id-1"))
            .body(new StringRequestContent("application/json", "{\"item\":\"book\"}"))
            .send();

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getHeaders().get("X-Request-Id")).isEqualTo("client-id-1");
        Recorded received = nexus.upstream().takeRequest();
        assertThat(received.method()).isEqualTo("POST");
        assertThat(received.path()).isEqualTo("/orders");
        assertThat(received.header("X-Request-Id")).isEqualTo("client-id-1");
        assertThat(received.bodyText()).isEqualTo("{\"item\":\"book\"}");
    }

    @Test
    void everyHostileRequestIsRefusedOrForwardedInCanonicalFormInsideAStockJetty() throws Exception {
        int refused = HostileCorpus.run(nexus.port(), nexus.upstream(), 300);
        assertThat(refused).isBetween(1, 299);
    }

    @Test
    void unknownPathAnswers404NoRoute() throws Exception {
        ContentResponse response = nexus.request("/nowhere").send();

        assertThat(response.getStatus()).isEqualTo(404);
        assertThat(response.getMediaType()).isEqualTo("application/json");
        String requestId = response.getHeaders().get("X-Request-Id");
        assertThat(requestId).isNotBlank();
        JsonNode error = JSON.readTree(response.getContentAsString()).path("error");
        assertThat(error.path("status").asInt()).isEqualTo(404);
        assertThat(error.path("code").asText()).isEqualTo("no_route");
        assertThat(error.path("request_id").asText()).isEqualTo(requestId);
    }

    @Test
    void probesAnswer200UnderTheAdminPrefix() throws Exception {
        assertThat(nexus.request("/_nexus/healthz").send().getStatus()).isEqualTo(200);
        assertThat(nexus.request("/_nexus/readyz").send().getStatus()).isEqualTo(200);
    }

    @Test
    void metricsCountRequestsByRoute() throws Exception {
        assertThat(nexus.request("/api/metered").send().getStatus()).isEqualTo(200);

        // The exchange is recorded when the response completes, which may be after the client saw it.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            // On the public port the metrics need the admin token (nexus.admin.war.metrics-require-token).
            assertThat(nexus.request("/_nexus/metrics").send().getStatus()).isEqualTo(401);
            ContentResponse metrics = nexus.request("/_nexus/metrics")
                .headers(headers -> headers.put(HttpHeader.AUTHORIZATION, "Bearer " + WarDeployment.ADMIN_TOKEN)).send();
            assertThat(metrics.getStatus()).isEqualTo(200);
            assertThat(metrics.getContentAsString()).containsPattern("nexus_requests_total\\{[^}]*route=\"api\"[^}]*} [1-9]");
        });
    }

    @Test
    void adminApiNeedsTheBearerToken() throws Exception {
        ContentResponse withoutToken = nexus.request("/_nexus/api/v1/routes").send();
        assertThat(withoutToken.getStatus()).isEqualTo(401);
        assertThat(withoutToken.getHeaders().get(HttpHeader.WWW_AUTHENTICATE)).startsWith("Bearer");

        ContentResponse wrongToken = nexus.request("/_nexus/api/v1/routes")
            .headers(headers -> headers.put(HttpHeader.AUTHORIZATION, "Bearer not-the-admin-token"))
            .send();
        assertThat(wrongToken.getStatus()).isEqualTo(401);

        ContentResponse withToken = nexus.request("/_nexus/api/v1/routes")
            .headers(headers -> headers.put(HttpHeader.AUTHORIZATION, "Bearer " + ADMIN_TOKEN))
            .send();
        assertThat(withToken.getStatus()).isEqualTo(200);
        JsonNode route = JSON.readTree(withToken.getContentAsString()).path("routes").path(0);
        assertThat(route.path("name").asText()).isEqualTo("api");
        assertThat(route.path("upstream").asText()).isEqualTo("backend");
    }

    @Test
    void dashboardIsServedUnderTheAdminPrefixWithItsSecurityHeaders() throws Exception {
        ContentResponse bare = nexus.request("/_nexus/ui").followRedirects(false).send();
        assertThat(bare.getStatus()).isEqualTo(302);
        assertThat(bare.getHeaders().get(HttpHeader.LOCATION)).endsWith("/_nexus/ui/");

        ContentResponse page = nexus.request("/_nexus/ui/").send();
        assertThat(page.getStatus()).isEqualTo(200);
        assertThat(page.getMediaType()).isEqualTo("text/html");
        assertThat(page.getContentAsString()).contains("<script type=\"module\" src=\"app.js\"></script>");
        assertThat(page.getHeaders().get("Content-Security-Policy"))
            .contains("default-src 'self'").contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
        assertThat(page.getHeaders().get("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(page.getHeaders().get("Referrer-Policy")).isEqualTo("no-referrer");

        ContentResponse script = nexus.request("/_nexus/ui/api.js").send();
        assertThat(script.getStatus()).isEqualTo(200);
        assertThat(script.getMediaType()).isEqualTo("text/javascript");
        // Relative to /_nexus/ui/, the API the scripts call is the WAR's /_nexus/api/v1.
        assertThat(script.getContentAsString()).contains("const API = '../api/v1';");
        assertThat(nexus.request("/_nexus/ui/../WEB-INF/web.xml").send().getStatus()).isIn(400, 404);
        assertThat(nexus.request("/_nexus/ui/nothing.js").send().getStatus()).isEqualTo(404);
    }

    @Test
    void adminPrefixWinsOverACatchAllRoute() throws Exception {
        ContentResponse proxied = nexus.request("/anything").headers(headers -> headers.put(HttpHeader.HOST, "catch-all.test")).send();
        assertThat(proxied.getStatus()).isEqualTo(200);
        assertThat(nexus.upstream().takeRequest().path()).isEqualTo("/anything");

        ContentResponse probe = nexus.request("/_nexus/healthz").headers(headers -> headers.put(HttpHeader.HOST, "catch-all.test")).send();
        assertThat(probe.getStatus()).isEqualTo(200);
        assertThat(probe.getContentAsString()).as("the probe's answer, not the upstream's").isEqualTo("ok\n");
    }

    @Test
    void logsGoThroughTheServersSlf4j() {
        // jetty-web.xml un-hides org.slf4j.: without it the gateway's own lines never appear.
        assertThat(nexus.log()).contains("Nexus runs as a webapp; admin endpoints under /_nexus");
    }
}
