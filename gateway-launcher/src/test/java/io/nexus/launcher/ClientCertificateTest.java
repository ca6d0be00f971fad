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

import io.nexus.gateway.testing.RecordingUpstream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client certificates end to end against test CAs made here: the handshake verifies them
 * ({@code client-auth { mode = optional }}), a {@code client-cert} provider admits or refuses
 * them per route, the upstream sees {@code X-Forwarded-Client-Cert} from the gateway only, and
 * the CA file is swapped under load without a failed handshake. Every request is a fresh TLS
 * connection over raw sockets with a client context of its own (no session to resume, which
 * would skip the certificate check).
 */
class ClientCertificateTest {

    /** A refused handshake as the client sees it: the alert, or the closed socket it met first (as in SniClientAuthTest). */
    private static final String REFUSED = ".*(certificate_unknown|Broken pipe|Connection reset).*";

    private static final String CA_DN = "CN=Nexus Client CA";
    /** Written most significant RDN first, as BouncyCastle encodes it; RFC 4514 (and XFCC) reads it back as CN=billing,O=Example. */
    private static final String BILLING_DN = "O=Example,CN=billing";
    private static final String SPIFFE = "spiffe://example.org/ns/prod/sa/orders";

    @TempDir
    static Path dir;
    static KeyPair caKeys;
    static X509Certificate clientCa;
    static TrustManager[] serverTrust;
    static KeyManager[] billing;
    static X509Certificate billingCertificate;

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config(ClientCertificateTest::config)
        .build();

    private static String config() throws Exception {
        KeyPair serverCaKeys = rsa();
        X509Certificate serverCa = issue(serverCaKeys, "Nexus Test CA", List.of(), serverCaKeys, true);
        KeyPair serverKeys = rsa();
        writePem(issue(serverKeys, "localhost", List.of("localhost"), serverCaKeys, false), serverCa, serverKeys,
            dir.resolve("server.crt"), dir.resolve("server.key"));
        serverTrust = trusting(serverCa);

        caKeys = rsa();
        clientCa = ca(caKeys, CA_DN);
        replace(pem(clientCa), dir.resolve("clients-ca.pem"));
        KeyPair keys = rsa();
        billingCertificate = issueClient(keys, BILLING_DN, null, caKeys, CA_DN, Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(1)));
        billing = keyManagers(keys, billingCertificate);
        return """
            nexus {
              server.tls {
                enabled = true, port = 0, reload-interval = 100ms
                certificates = [{ name = "localhost", certificate = "%s", private-key = "%s" }]
                client-auth { mode = optional, ca-file = "%s" }
              }
              auth { partners { type = client-cert, subjects = ["cn=Billing, o=Example"], sans = ["%s"] } }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [
                { name = "partner", path = "/partner", upstream = "up", auth = "partners" }
                { name = "open", path = "/open", upstream = "up" }
                { name = "limited", path = "/limited", upstream = "up", auth = "partners", rate-limit { requests = 1, window = 1m, key = subject } }
              ]
            }
            """.formatted(dir.resolve("server.crt"), dir.resolve("server.key"), dir.resolve("clients-ca.pem"), SPIFFE);
    }

    @AfterEach
    void clearUpstream() {
        nexus.upstream("up").clear();
    }

    @Test
    void aVerifiedCertificateReachesAClientCertRouteAndTheUpstreamSeesXfcc() throws Exception {
        assertThat(get(billing, "/partner/invoices", "")).startsWith("HTTP/1.1 200 ");
        RecordingUpstream.Recorded seen = nexus.upstream("up").takeRequest();
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(billingCertificate.getEncoded()));
        assertThat(seen.header("X-Forwarded-Client-Cert")).isEqualTo("Hash=" + hash + ";Subject=\"CN=billing,O=Example\"");
        assertThat(seen.header("X-Auth-Subject")).isEqualTo("CN=billing,O=Example");
        assertThat(seen.header("X-Auth-Provider")).isEqualTo("partners");

        // Matched by its URI SAN instead of its subject; the SAN goes upstream too.
        KeyPair keys = rsa();
        X509Certificate orders = issueClient(keys, "CN=orders", SPIFFE, caKeys, CA_DN, Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        assertThat(get(keyManagers(keys, orders), "/partner/x", "")).startsWith("HTTP/1.1 200 ");
        assertThat(nexus.upstream("up").takeRequest().header("X-Forwarded-Client-Cert")).endsWith(";Subject=\"CN=orders\";URI=" + SPIFFE);
    }

    @Test
    void theCertificateSubjectIsTheRateLimitKey() throws Exception {
        assertThat(get(billing, "/limited/a", "")).startsWith("HTTP/1.1 200 ");
        assertThat(get(billing, "/limited/b", "")).startsWith("HTTP/1.1 429 ");
        KeyPair keys = rsa();
        X509Certificate orders = issueClient(keys, "CN=orders", SPIFFE, caKeys, CA_DN, Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        assertThat(get(keyManagers(keys, orders), "/limited/c", "")).as("another subject, its own count").startsWith("HTTP/1.1 200 ");
    }

    @Test
    void withoutACertificateAClientCertRouteAnswers401() throws Exception {
        String response = get(null, "/partner/invoices", "");
        assertThat(response).startsWith("HTTP/1.1 401 ").contains("\"missing_client_certificate\"")
            .contains("WWW-Authenticate: ClientCertificate realm=\"partners\"");
        // Other routes take clients without one (mode optional).
        assertThat(get(null, "/open/x", "")).startsWith("HTTP/1.1 200 ");
        assertThat(nexus.upstream("up").takeRequest().header("X-Forwarded-Client-Cert")).isNull();
        assertThat(nexus.upstream("up").pending()).isZero();
    }

    @Test
    void aCertificateTheProviderDoesNotListAnswers403() throws Exception {
        KeyPair keys = rsa();
        X509Certificate intruder = issueClient(keys, "O=Example,CN=intruder", "spiffe://example.org/ns/dev/sa/x", caKeys, CA_DN,
            Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        assertThat(get(keyManagers(keys, intruder), "/partner/invoices", "")).startsWith("HTTP/1.1 403 ")
            .contains("\"client_certificate_not_allowed\"");
        assertThat(nexus.upstream("up").pending()).isZero();
    }

    /** The JDK checks the chain in the handshake: an expired certificate or another CA's never reaches HTTP. */
    @Test
    void anExpiredCertificateOrAnotherCasFailsTheHandshake() throws Exception {
        KeyPair keys = rsa();
        X509Certificate expired = issueClient(keys, BILLING_DN, null, caKeys, CA_DN, Instant.now().minus(Duration.ofDays(2)),
            Instant.now().minus(Duration.ofDays(1)));
        // The JDK answers both with the certificate_unknown alert; the gateway logs nothing (no request was made).
        // The client may have sent its last handshake records (or, in TLS 1.3, its request) before the
        // alert came: then it meets the closed socket first (broken pipe, reset) instead of reading it.
        assertThat(refusal(keyManagers(keys, expired))).matches(REFUSED);

        KeyPair otherCaKeys = rsa();
        X509Certificate foreign = issueClient(keys, BILLING_DN, null, otherCaKeys, CA_DN, Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        assertThat(refusal(keyManagers(keys, foreign))).matches(REFUSED);
        assertThat(nexus.upstream("up").pending()).isZero();
    }

    @Test
    void aForgedXfccHeaderNeverReachesTheUpstream() throws Exception {
        String forged = "X-Forwarded-Client-Cert: Hash=00;Subject=\"CN=admin\"\r\nx-forwarded-client-cert: URI=spiffe://evil\r\n";
        assertThat(get(null, "/open/x", forged)).startsWith("HTTP/1.1 200 ");
        assertThat(nexus.upstream("up").takeRequest().header("X-Forwarded-Client-Cert")).isNull();

        assertThat(get(billing, "/partner/x", forged)).startsWith("HTTP/1.1 200 ");
        RecordingUpstream.Recorded seen = nexus.upstream("up").takeRequest();
        assertThat(seen.headers().getValuesList("X-Forwarded-Client-Cert")).singleElement().asString()
            .endsWith(";Subject=\"CN=billing,O=Example\"");
    }

    /**
     * A CA rotation as an operator does it: a bundle of the old and new CA first, then the new
     * one alone. Four clients keep doing full handshakes with the old CA's certificate through
     * the first change: none fails. After the second, the old certificate is refused.
     */
    @Test
    void theCaFileIsReloadedUnderLoadWithoutFailedHandshakes() throws Exception {
        KeyPair newCaKeys = rsa();
        X509Certificate newCa = ca(newCaKeys, "CN=Nexus Client CA 2");
        KeyPair keys = rsa();
        KeyManager[] renewed = keyManagers(keys, issueClient(keys, BILLING_DN, null, newCaKeys, "CN=Nexus Client CA 2",
            Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600)));
        assertThat(refusal(renewed)).isNotNull();

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger succeeded = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> load = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                load.add(clients.submit(() -> {
                    while (running.get()) {
                        try {
                            String response = get(billing, "/partner/load", "");
                            if (response.startsWith("HTTP/1.1 200 ")) {
                                succeeded.incrementAndGet();
                            } else {
                                failures.add(response.lines().findFirst().orElse(""));
                            }
                        } catch (IOException e) {
                            failures.add(e.toString());
                        }
                    }
                    return null;
                }));
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> succeeded.get() >= 20);
            replace(pem(clientCa, newCa), dir.resolve("clients-ca.pem"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> refusal(renewed) == null);
            int afterReload = succeeded.get();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> succeeded.get() >= afterReload + 20);
            running.set(false);
            for (Future<?> client : load) {
                client.get();
            }
        } finally {
            running.set(false);
            clients.shutdownNow();
        }
        assertThat(failures).isEmpty();

        replace(pem(newCa), dir.resolve("clients-ca.pem"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> refusal(billing) != null);
        assertThat(get(renewed, "/partner/after", "")).startsWith("HTTP/1.1 200 ");
        nexus.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_tls_reloads_total{result=\"success\"} 2.0"));

        // Back to the class's CA for the other tests.
        replace(pem(clientCa), dir.resolve("clients-ca.pem"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> refusal(billing) == null);
    }

    /** One request on a new TLS connection (no session to resume), presenting {@code keys} when given; the whole response. */
    private static String get(KeyManager[] keys, String path, String extraHeaders) throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, serverTrust, null);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", nexus.gateway().tlsPort())) {
                socket.setSoTimeout(5000);
                OutputStream out = socket.getOutputStream();
                out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + extraHeaders + "Connection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How the gateway refused the connection of a client with {@code keys}, or {@code null} when it answered 200. */
    private static String refusal(KeyManager[] keys) {
        try {
            String response = get(keys, "/partner/probe", "");
            nexus.upstream("up").clear();
            return response.startsWith("HTTP/1.1 200 ") ? null : response.lines().findFirst().orElse("(no response)");
        } catch (IOException e) {
            return e.toString();
        }
    }
}
