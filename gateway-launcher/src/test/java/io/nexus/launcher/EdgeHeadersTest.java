package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the edge adds to and takes from responses: {@code Strict-Transport-Security} on the TLS
 * port only, and no upstream banner ({@code Server}, {@code X-Powered-By}) unless the route keeps it.
 */
class EdgeHeadersTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .upstream("nginx", new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, Response response, Callback callback) {
                response.getHeaders().put("Server", "nginx/1.22.1");
                response.getHeaders().put("X-Powered-By", "Express");
                Content.Sink.write(response, true, "hello", callback);
                return true;
            }
        })
        .config(EdgeHeadersTest::config)
        .build();

    private static String config() {
        return """
            nexus {
              server.tls {
                enabled = true, port = 0
                certificates = [{ name = "test", certificate = "%s", private-key = "%s" }]
                hsts { max-age = 365d, include-subdomains = true }
              }
              upstreams { nginx { targets = [${upstreams.nginx}] } }
              routes = [
                { name = "quiet", path = "/quiet", upstream = "nginx" }
                { name = "loud", path = "/loud", upstream = "nginx", keep-upstream-server-header = true }
              ]
            }
            """.formatted(TestCertificates.localhost().certificate(), TestCertificates.localhost().privateKey());
    }

    @Test
    void hstsIsSentOnTlsResponsesOnly() throws Exception {
        ContentResponse secure = nexus.client(Protocol.HTTP_2).get("/quiet/x");
        assertThat(secure.getStatus()).isEqualTo(200);
        assertThat(secure.getHeaders().get("Strict-Transport-Security")).isEqualTo("max-age=31536000; includeSubDomains");
        // The gateway's own answers too (no route: 404).
        ContentResponse notFound = nexus.client(Protocol.HTTP_2).get("/nowhere");
        assertThat(notFound.getStatus()).isEqualTo(404);
        assertThat(notFound.getHeaders().get("Strict-Transport-Security")).isEqualTo("max-age=31536000; includeSubDomains");

        ContentResponse plain = nexus.get("/quiet/x");
        assertThat(plain.getStatus()).isEqualTo(200);
        assertThat(plain.getHeaders().contains("Strict-Transport-Security")).isFalse();
    }

    @Test
    void upstreamBannersAreRemovedUnlessTheRouteKeepsThem() throws Exception {
        for (Protocol protocol : Protocol.values()) {
            ContentResponse quiet = nexus.client(protocol).get("/quiet/x");
            assertThat(quiet.getContentAsString()).isEqualTo("hello");
            assertThat(quiet.getHeaders().contains("Server")).as(protocol + " Server").isFalse();
            assertThat(quiet.getHeaders().contains("X-Powered-By")).as(protocol + " X-Powered-By").isFalse();

            ContentResponse loud = nexus.client(protocol).get("/loud/x");
            assertThat(loud.getHeaders().get("Server")).as(protocol.toString()).isEqualTo("nginx/1.22.1");
            assertThat(loud.getHeaders().get("X-Powered-By")).as(protocol.toString()).isEqualTo("Express");
        }
    }
}
