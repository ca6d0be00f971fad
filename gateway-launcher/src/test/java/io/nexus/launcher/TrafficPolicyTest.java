package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpMethod;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Header edits, path rewrite and CORS of docs/traffic-policy.md, end to end with a recording upstream. */
class TrafficPolicyTest {

    private static final String APP = "https://app.example.com";

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config("""
            nexus {
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [
                { name = "edit", path = "/edit", upstream = "up",
                  headers { request { set { "X-Env" = "prod", "X-Seen-Id" = "${request_id}", "X-Client" = "${client_ip}" },
                                      add { "X-Tag" = "gw-${route}" }, remove = ["X-Secret"] }
                            response { set { "X-Served-By" = "nexus ${route}" }, remove = ["X-Upstream"] } } }
                { name = "rw", path = "/rw", upstream = "up", strip-prefix = true,
                  rewrite { regex = "^/users/([0-9]+)$", replacement = "/v2/accounts/$1" } }
                { name = "dots", path = "/dots", upstream = "up", strip-prefix = true,
                  rewrite { regex = "^/([^/])[^/]*/([^/])[^/]*$", replacement = "/files/$1$2" } }
                { name = "empty", path = "/empty", upstream = "up", strip-prefix = true,
                  rewrite { regex = "^/([a-z]*)-(.*)$", replacement = "/files/$1/$2" } }
                { name = "pct", path = "/pct", upstream = "up", strip-prefix = true,
                  rewrite { regex = "^/(.*)$", replacement = "/files/$1" } }
                { name = "cors", path = "/cors", upstream = "up", methods = [GET, POST],
                  cors { allowed-origins = ["https://app.example.com"], allowed-methods = [GET, POST, PUT],
                         allowed-headers = ["Authorization", "X-Trace"], exposed-headers = ["X-Upstream"],
                         allow-credentials = true, max-age = 5m } }
                { name = "public", path = "/public", upstream = "up", cors { allowed-origins = ["*"] } }
              ]
            }
            """)
        .build();

    private RecordingUpstream upstream;

    @BeforeEach
    void clear() {
        upstream = nexus.upstream("up");
        upstream.clear();
    }

    @Test
    void requestHeadersAreRemovedSetAndAddedWithVariables() throws Exception {
        ContentResponse response = nexus.request("/edit/x").headers(h -> h.put("X-Secret", "s3cr3t").put("X-Tag", "client")).send();
        assertThat(response.getStatus()).isEqualTo(200);
        RecordingUpstream.Recorded seen = upstream.takeRequest();
        assertThat(seen.headers().get("X-Secret")).isNull();
        assertThat(seen.header("X-Env")).isEqualTo("prod");
        assertThat(seen.header("X-Seen-Id")).isEqualTo(response.getHeaders().get("X-Request-Id"));
        assertThat(seen.header("X-Client")).isEqualTo("127.0.0.1");
        assertThat(seen.headers().getValuesList("X-Tag")).containsExactly("client", "gw-edit");
    }

    @Test
    void responseHeadersAreEdited() throws Exception {
        ContentResponse response = nexus.get("/edit/x");
        assertThat(response.getHeaders().get("X-Upstream")).isNull();
        assertThat(response.getHeaders().get("X-Served-By")).isEqualTo("nexus edit");
        assertThat(response.getHeaders().get("X-Request-Id")).isNotBlank();
    }

    @Test
    void rewriteMapsGroupsAfterStripPrefix() throws Exception {
        assertThat(nexus.get("/rw/users/42?q=1").getStatus()).isEqualTo(200);
        RecordingUpstream.Recorded seen = upstream.takeRequest();
        assertThat(seen.path()).isEqualTo("/v2/accounts/42");
        assertThat(seen.query()).isEqualTo("q=1");
        assertThat(nexus.get("/rw/other").getStatus()).isEqualTo(200);
        assertThat(upstream.takeRequest().path()).isEqualTo("/other");
    }

    @Test
    void aRewriteThatWouldMakeANonCanonicalPathIsRefusedWith400() throws Exception {
        assertThat(nexus.get("/dots/ab/cd").getStatus()).isEqualTo(200);
        assertThat(upstream.takeRequest().path()).isEqualTo("/files/ac");
        // Each request is canonical; only the groups put a ".." or a "//" together.
        for (String path : new String[] {"/dots/.a/.b", "/empty/-x"}) {
            ContentResponse response = nexus.get(path);
            assertThat(response.getStatus()).as(path).isEqualTo(400);
            assertThat(response.getContentAsString()).as(path).contains("\"cause\":\"rewrite_refused\"").contains("route ");
        }
        // A "%2e" cannot come from a group: the container refuses "%25" in a path before routing
        // (and validation refuses one written in the replacement).
        ContentResponse encoded = nexus.get("/pct/%252e%252e/x");
        assertThat(encoded.getStatus()).isEqualTo(400);
        assertThat(encoded.getContentAsString()).contains("\"cause\":\"malformed_request\"");
        assertThat(upstream.pending()).isZero();
    }

    @Test
    void aPreflightIsAnsweredByTheGatewayAndNeverForwarded() throws Exception {
        ContentResponse response = nexus.request("/cors/items").method(HttpMethod.OPTIONS)
            .headers(h -> h.put("Origin", APP).put("Access-Control-Request-Method", "PUT").put("Access-Control-Request-Headers", "authorization, x-trace"))
            .send();
        assertThat(response.getStatus()).isEqualTo(204);
        assertThat(response.getHeaders().get("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(response.getHeaders().get("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(response.getHeaders().get("Access-Control-Allow-Methods")).isEqualTo("GET, POST, PUT");
        assertThat(response.getHeaders().get("Access-Control-Allow-Headers")).isEqualTo("authorization, x-trace");
        assertThat(response.getHeaders().get("Access-Control-Max-Age")).isEqualTo("300");
        assertThat(response.getHeaders().getValuesList("Vary")).anySatisfy(vary -> assertThat(vary).contains("Origin"));
        assertThat(upstream.pending()).isZero();
    }

    @Test
    void aPreflightAskingForAMethodOrHeaderNotAllowedIsRefused() throws Exception {
        ContentResponse method = nexus.request("/cors/items").method(HttpMethod.OPTIONS)
            .headers(h -> h.put("Origin", APP).put("Access-Control-Request-Method", "DELETE")).send();
        assertThat(method.getStatus()).isEqualTo(403);
        assertThat(method.getContentAsString()).contains("\"cause\":\"cors_method_not_allowed\"");
        ContentResponse header = nexus.request("/cors/items").method(HttpMethod.OPTIONS)
            .headers(h -> h.put("Origin", APP).put("Access-Control-Request-Method", "GET").put("Access-Control-Request-Headers", "x-admin")).send();
        assertThat(header.getStatus()).isEqualTo(403);
        assertThat(header.getContentAsString()).contains("\"cause\":\"cors_header_not_allowed\"");
        assertThat(upstream.pending()).isZero();
    }

    @Test
    void originsMatchExactlyNotByPrefixOrSubstring() throws Exception {
        for (String origin : new String[] {"https://app.example.com.evil.net", "https://evil-app.example.com", "http://app.example.com",
            "https://app.example.co", "null"}) {
            ContentResponse preflight = nexus.request("/cors/items").method(HttpMethod.OPTIONS)
                .headers(h -> h.put("Origin", origin).put("Access-Control-Request-Method", "GET")).send();
            assertThat(preflight.getStatus()).as(origin).isEqualTo(403);
            assertThat(preflight.getHeaders().get("Access-Control-Allow-Origin")).as(origin).isNull();
            ContentResponse simple = nexus.request("/cors/items").headers(h -> h.put("Origin", origin)).send();
            assertThat(simple.getStatus()).as(origin).isEqualTo(403);
            assertThat(simple.getContentAsString()).contains("\"cause\":\"cors_origin_not_allowed\"");
        }
        assertThat(upstream.pending()).isZero();
    }

    @Test
    void aCredentialedRequestGetsTheOriginBackAndTheUpstreamsOwnCorsHeadersAreReplaced() throws Exception {
        ContentResponse response = nexus.request("/cors/items?header=Access-Control-Allow-Origin:*&header=Vary:Accept-Encoding")
            .headers(h -> h.put("Origin", APP).put("Cookie", "session=1")).send();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getHeaders().getValuesList("Access-Control-Allow-Origin")).containsExactly(APP);
        assertThat(response.getHeaders().get("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(response.getHeaders().get("Access-Control-Expose-Headers")).isEqualTo("x-upstream");
        assertThat(String.join(",", response.getHeaders().getValuesList("Vary"))).contains("Accept-Encoding").contains("Origin");
        assertThat(upstream.takeRequest().header("Origin")).isEqualTo(APP);
    }

    @Test
    void aWildcardPolicyAnswersStarWithoutCredentials() throws Exception {
        ContentResponse response = nexus.request("/public/x").headers(h -> h.put("Origin", "https://anyone.example")).send();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getHeaders().get("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(response.getHeaders().get("Access-Control-Allow-Credentials")).isNull();
        assertThat(response.getHeaders().getValuesList("Vary")).anySatisfy(vary -> assertThat(vary).contains("Origin"));
    }

    @Test
    void requestsWithoutOriginPassAndAPlainOptionsStaysNotAllowed() throws Exception {
        ContentResponse plain = nexus.get("/cors/items");
        assertThat(plain.getStatus()).isEqualTo(200);
        assertThat(plain.getHeaders().get("Access-Control-Allow-Origin")).isNull();
        assertThat(plain.getHeaders().getValuesList("Vary")).anySatisfy(vary -> assertThat(vary).contains("Origin"));
        upstream.takeRequest();
        ContentResponse options = nexus.request("/cors/items").method(HttpMethod.OPTIONS).timeout(10, TimeUnit.SECONDS).send();
        assertThat(options.getStatus()).isEqualTo(405);
        assertThat(upstream.pending()).isZero();
    }
}
