package io.nexus.launcher;

import static io.nexus.launcher.TestCertificates.ca;
import static io.nexus.launcher.TestCertificates.issue;
import static io.nexus.launcher.TestCertificates.issueClient;
import static io.nexus.launcher.TestCertificates.keyManagers;
import static io.nexus.launcher.TestCertificates.pem;
import static io.nexus.launcher.TestCertificates.replace;
import static io.nexus.launcher.TestCertificates.rsa;
import static io.nexus.launcher.TestCertificates.trusting;
import static io.nexus.launcher.TestCertificates.writePem;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client authentication per SNI certificate, end to end over real handshakes:
 * {@code partners.test} (the default certificate) has its own {@code client-auth} (required,
 * CA A), {@code www.test} takes the port's (optional, CA B), {@code open.test} has none. Every request is a
 * fresh connection with a client context of its own (no session to resume).
 */
class SniClientAuthTest {

    private static final String CA_A = "CN=Partner CA A";
    private static final String CA_B = "CN=Staff CA B";
    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    private static final String CLOSED = "(closed without a response)";
    /** A refused handshake as the client sees it (see {@link #anotherNamesCaIsRefused}). */
    private static final String REFUSED = ".*(certificate_unknown|Broken pipe|Connection reset).*";

    @TempDir
    static Path dir;
    static TrustManager[] serverTrust;
    static X509Certificate caA;
    static X509Certificate caB;
    static KeyManager[] clientOfA;
    static KeyManager[] clientOfB;

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config(SniClientAuthTest::config)
        .build();

    private static String config() throws Exception {
        KeyPair serverCaKeys = rsa();
        X509Certificate serverCa = issue(serverCaKeys, "Nexus Test CA", List.of(), serverCaKeys, true);
        for (String name : List.of("www", "partners", "open")) {
            KeyPair keys = rsa();
            writePem(issue(keys, name + ".test", List.of(name + ".test"), serverCaKeys, false), serverCa, keys,
                dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
        }
        serverTrust = trusting(serverCa);

        KeyPair caAKeys = rsa();
        caA = ca(caAKeys, CA_A);
        replace(pem(caA), dir.resolve("ca-a.pem"));
        clientOfA = client(caAKeys, CA_A, "O=Example,CN=billing");
        KeyPair caBKeys = rsa();
        caB = ca(caBKeys, CA_B);
        replace(pem(caB), dir.resolve("ca-b.pem"));
        clientOfB = client(caBKeys, CA_B, "O=Example,CN=alice");
        return """
            nexus {
              server.tls {
                enabled = true, port = 0, reload-interval = 100ms
                certificates = [
                  { name = "partners", certificate = "%1$s/partners.crt", private-key = "%1$s/partners.key"
                    client-auth { mode = required, ca-file = "%1$s/ca-a.pem" } }
                  { name = "www", certificate = "%1$s/www.crt", private-key = "%1$s/www.key" }
                  { name = "open", certificate = "%1$s/open.crt", private-key = "%1$s/open.key", client-auth { mode = none } }
                ]
                client-auth { mode = optional, ca-file = "%1$s/ca-b.pem" }
              }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [{ name = "all", path = "/", upstream = "up" }]
            }
            """.formatted(dir);
    }

    @AfterEach
    void clearUpstream() {
        nexus.upstream("up").clear();
    }

    @Test
    void aClientOfTheNamesCaReachesIt() throws Exception {
        assertThat(get(clientOfA, "partners.test")).startsWith("HTTP/1.1 200 ");
        assertThat(nexus.upstream("up").takeRequest().header("X-Forwarded-Client-Cert")).endsWith(";Subject=\"CN=billing,O=Example\"");
        // The port's settings hold for a certificate without its own: CA B, optional.
        assertThat(get(clientOfB, "www.test")).startsWith("HTTP/1.1 200 ");
        assertThat(nexus.upstream("up").takeRequest().header("X-Forwarded-Client-Cert")).endsWith(";Subject=\"CN=alice,O=Example\"");
    }

    @Test
    void withoutACertificateOnlyTheNameThatRequiresOneFails() throws Exception {
        for (String protocol : PROTOCOLS) {
            // The handshake completes with the engine's "want"; the gateway then closes the connection unread.
            assertThat(refusal(null, "partners.test", protocol)).as(protocol).isEqualTo(CLOSED);
        }
        assertThat(nexus.upstream("up").pending()).isZero();
        assertThat(get(null, "www.test")).startsWith("HTTP/1.1 200 ");
        assertThat(get(null, "open.test")).startsWith("HTTP/1.1 200 ");
        assertThat(nexus.upstream("up").takeRequest().header("X-Forwarded-Client-Cert")).isNull();
        // No SNI: the default certificate's settings (partners.test's, required).
        assertThat(refusal(null, null)).isEqualTo(CLOSED);
        assertThat(get(clientOfA, null)).startsWith("HTTP/1.1 200 ");
    }

    /**
     * The JDK ends these handshakes with the certificate_unknown alert; the client sees it, or,
     * when the gateway closed before the client had written its whole flight or request, a broken
     * pipe or reset. Never a response: the positive cases above use the same clients.
     */
    @Test
    void anotherNamesCaIsRefused() throws Exception {
        for (String protocol : PROTOCOLS) {
            // CA B is in the certificate request (the port's CA), so the client sends its certificate; partners.test verifies against CA A.
            assertThat(refusal(clientOfB, "partners.test", protocol)).as(protocol).matches(REFUSED);
            assertThat(refusal(clientOfA, "www.test", protocol)).as(protocol).matches(REFUSED);
            // A name with mode none takes no certificate at all: nothing verifies it.
            assertThat(refusal(clientOfB, "open.test", protocol)).as(protocol).matches(REFUSED);
        }
        assertThat(nexus.upstream("up").pending()).isZero();
    }

    /** partners.test's CA file swapped for CA B and back: its handshakes follow, www.test's keep the port's CA. */
    @Test
    void oneNamesCaFileReloads() throws Exception {
        replace(pem(caB), dir.resolve("ca-a.pem"));
        try {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> refusal(clientOfB, "partners.test") == null);
            assertThat(refusal(clientOfA, "partners.test")).isNotNull();
            assertThat(refusal(clientOfB, "www.test")).isNull();
            nexus.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_tls_reloads_total{result=\"success\"}"));
        } finally {
            replace(pem(caA), dir.resolve("ca-a.pem"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> refusal(clientOfA, "partners.test") == null);
        }
        assertThat(refusal(clientOfB, "partners.test")).matches(REFUSED);
    }

    /**
     * The context, and with it the session cache and ticket keys, outlive a reload of one name's
     * CA file. (On the default certificate: the JDK reads a session ticket before the SNI
     * extension, so a ticket of another name is not resumed; see docs/tls.md.)
     */
    @Test
    void sessionsResumeAcrossAReloadOfOneNamesCa() throws Exception {
        SSLContext resuming = context(clientOfA);
        SSLSession[] session = new SSLSession[1];
        assertThat(get(resuming, "partners.test", "TLSv1.3", session)).startsWith("HTTP/1.1 200 ");
        long created = session[0].getCreationTime();
        try {
            // A rotation's first step: the old and the new CA.
            replace(pem(caA, caB), dir.resolve("ca-a.pem"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> refusal(clientOfB, "partners.test") == null);
            // Resumed: the session still carries the verified certificate the name requires.
            assertThat(get(resuming, "partners.test", "TLSv1.3", session)).startsWith("HTTP/1.1 200 ");
            assertThat(session[0].getCreationTime()).as("resumed").isEqualTo(created);
            assertThat(session[0].getPeerCertificates()).isNotEmpty();
        } finally {
            replace(pem(caA), dir.resolve("ca-a.pem"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> refusal(clientOfB, "partners.test") != null);
        }
    }

    private static KeyManager[] client(KeyPair caKeys, String caDn, String dn) throws Exception {
        KeyPair keys = rsa();
        X509Certificate certificate = issueClient(keys, dn, null, caKeys, caDn, Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(1)));
        return keyManagers(keys, certificate);
    }

    /** One request on a new TLS connection naming {@code sni} (none when null), presenting {@code keys} when given. */
    private static String get(KeyManager[] keys, String sni) throws IOException {
        return get(keys, sni, "TLSv1.3");
    }

    private static String get(KeyManager[] keys, String sni, String protocol) throws IOException {
        return get(context(keys), sni, protocol, new SSLSession[1]);
    }

    private static SSLContext context(KeyManager[] keys) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, serverTrust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One request from {@code context} (whose session cache may resume); {@code session[0]} is set to the session it ran in. */
    private static String get(SSLContext context, String sni, String protocol, SSLSession[] session) throws IOException {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", nexus.gateway().tlsPort())) {
            socket.setSoTimeout(5000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setProtocols(new String[] {protocol});
            if (sni != null) {
                parameters.setServerNames(List.of(new SNIHostName(sni)));
            }
            socket.setSSLParameters(parameters);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /x HTTP/1.1\r\nHost: " + (sni == null ? "localhost" : sni) + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            // Reading the whole response also reads the session ticket the server sent after the handshake.
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            session[0] = socket.getSession();
            return response;
        }
    }

    /** How the gateway refused the connection, or {@code null} when it answered 200. */
    private static String refusal(KeyManager[] keys, String sni) {
        return refusal(keys, sni, "TLSv1.3");
    }

    private static String refusal(KeyManager[] keys, String sni, String protocol) {
        try {
            String response = get(keys, sni, protocol);
            nexus.upstream("up").clear();
            return response.startsWith("HTTP/1.1 200 ") ? null : response.isEmpty() ? CLOSED : response.lines().findFirst().orElseThrow();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
