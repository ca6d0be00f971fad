package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.typesafe.config.ConfigUtil;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Upstream TLS (docs/protocols.md, "Upstream TLS"): a private CA trusted from {@code ca-file},
 * mTLS with the gateway's client certificate, the host name checked by default, and the files
 * reloaded when they change; each failed check is a 502 whose cause and log line say which.
 */
class UpstreamTlsTest {

    private static final Path DIR = Http2UpstreamTest.tempDir("nexus-upstream-tls");
    private static final PrivateCa CA = Http2UpstreamTest.ca(DIR);
    private static final PrivateCa OTHER_CA = Http2UpstreamTest.ca(DIR);

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .server("plain-tls", () -> Http2Servers.tls(new ClientName(), CA.keyStore("localhost"), null))
        .server("mtls", () -> Http2Servers.tls(new ClientName(), CA.keyStore("localhost"), CA.trustStore()))
        .server("misnamed", () -> Http2Servers.tls(new ClientName(), CA.keyStore("other.example"), null))
        .perMethod()
        .build();

    private TestGateway start(String upstreams) throws Exception {
        return nexus.startGateway("""
            nexus {
              upstreams { %s }
              routes = [{ name = "r", path = "/", upstream = "u" }]
            }
            """.formatted(upstreams));
    }

    private static String quoted(Path file) {
        return ConfigUtil.quoteString(file.toString());
    }

    @Test
    void aTargetSignedByTheConfiguredCaIsTrusted() throws Exception {
        TestGateway gateway = start("u { targets = [${upstreams.plain-tls}], tls.ca-file = %s }".formatted(quoted(CA.caFile())));
        ContentResponse response = gateway.get("/x");
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentAsString()).isEqualTo("client certificate: none");
    }

    @Test
    void aTargetSignedByAnotherCaIs502WithTheFailedCheck() throws Exception {
        TestGateway gateway = start("u { targets = [${upstreams.plain-tls}], tls.ca-file = %s }".formatted(quoted(OTHER_CA.caFile())));
        try (CapturedLog log = new CapturedLog("io.nexus.gateway.proxy.GatewayProxyServlet")) {
            ContentResponse response = gateway.get("/x");
            assertThat(response.getStatus()).isEqualTo(502);
            assertThat(response.getContentAsString()).contains("\"cause\":\"upstream_tls_untrusted_certificate\"");
            assertThat(log.events).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).contains("TLS to upstream u failed").contains("no trusted CA signed the target's certificate"));
        }
    }

    @Test
    void withoutACaFileTheJdksTrustStoreRefusesAPrivateCa() throws Exception {
        TestGateway gateway = start("u { targets = [${upstreams.plain-tls}] }");
        assertThat(gateway.get("/x").getContentAsString()).contains("\"cause\":\"upstream_tls_untrusted_certificate\"");
    }

    @Test
    void aCertificateForAnotherHostIs502HostnameMismatchUnlessVerificationIsOff() throws Exception {
        TestGateway gateway = start("""
            u { targets = [${upstreams.misnamed}], tls.ca-file = %1$s }
            unchecked { targets = [${upstreams.misnamed}], tls { ca-file = %1$s, verify-hostname = false } }
            """.formatted(quoted(CA.caFile())));
        try (CapturedLog log = new CapturedLog("io.nexus.gateway.proxy.GatewayProxyServlet")) {
            ContentResponse response = gateway.get("/x");
            assertThat(response.getStatus()).isEqualTo(502);
            assertThat(response.getContentAsString()).contains("\"cause\":\"upstream_tls_hostname_mismatch\"");
            assertThat(log.events).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).contains("cause=upstream_tls_hostname_mismatch").contains("verify-hostname"));
        }
        gateway.apply(nexus.configText("""
            nexus {
              upstreams { u { targets = [${upstreams.misnamed}], tls { ca-file = %s, verify-hostname = false } } }
              routes = [{ name = "r", path = "/", upstream = "u" }]
            }
            """.formatted(quoted(CA.caFile()))));
        assertThat(gateway.get("/x").getStatus()).isEqualTo(200);
    }

    @Test
    void mutualTlsPresentsTheClientCertificateAndItsAbsenceIs502() throws Exception {
        TestCertificates.PemFiles client = CA.pemFiles("gateway-client");
        TestGateway gateway = start("""
            u { targets = [${upstreams.mtls}], tls { ca-file = %s, certificate = %s, private-key = %s } }
            bare { targets = [${upstreams.mtls}], tls.ca-file = %s }
            """.formatted(quoted(CA.caFile()), quoted(client.certificate()), quoted(client.privateKey()), quoted(CA.caFile())));
        ContentResponse response = gateway.get("/x");
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentAsString()).isEqualTo("client certificate: CN=gateway-client");

        gateway.apply(nexus.configText("""
            nexus {
              upstreams { u { targets = [${upstreams.mtls}], tls.ca-file = %s } }
              routes = [{ name = "r", path = "/", upstream = "u" }]
            }
            """.formatted(quoted(CA.caFile()))));
        ContentResponse refused = gateway.get("/x");
        assertThat(refused.getStatus()).isEqualTo(502);
        assertThat(refused.getContentAsString()).contains("\"cause\":\"upstream_tls_client_certificate_rejected\"");
    }

    @Test
    void aChangedCaFileIsReloadedForNewConnections() throws Exception {
        Path ca = DIR.resolve("rotating-ca.pem");
        Files.copy(OTHER_CA.caFile(), ca, StandardCopyOption.REPLACE_EXISTING);
        TestGateway gateway = start("u { targets = [${upstreams.plain-tls}], tls { ca-file = %s, reload-interval = 100ms } }".formatted(quoted(ca)));
        assertThat(gateway.get("/x").getContentAsString()).contains("upstream_tls_untrusted_certificate");

        Path next = DIR.resolve("rotating-ca.pem.next");
        Files.copy(CA.caFile(), next, StandardCopyOption.REPLACE_EXISTING);
        Files.move(next, ca, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(gateway.get("/x").getStatus()).isEqualTo(200));
    }

    /** Answers with the subject of the client's certificate, or {@code none}. */
    static final class ClientName extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            EndPoint.SslSessionData tls = (EndPoint.SslSessionData) request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
            X509Certificate[] chain = tls == null ? null : tls.peerCertificates();
            String subject = chain == null || chain.length == 0 ? "none" : chain[0].getSubjectX500Principal().getName();
            Content.Sink.write(response, true, "client certificate: " + subject, callback);
            return true;
        }
    }
}
