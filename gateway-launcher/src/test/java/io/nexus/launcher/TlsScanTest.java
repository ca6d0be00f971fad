package io.nexus.launcher;

import static io.nexus.launcher.TestCertificates.issue;
import static io.nexus.launcher.TestCertificates.rsa;
import static io.nexus.launcher.TestCertificates.writePem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a security team's scanner says about the TLS port: Debian's {@code testssl} (3.0.8)
 * against the launcher with a test CA's certificate, for both profiles. Its JSON (by section)
 * must hold nothing but OK and INFO in the protocols, ciphers, forward secrecy and
 * vulnerabilities sections, and HSTS must be offered. Rows about the test certificate itself
 * (trust, revocation URIs, validity) and WARN rows about the scanner's own OpenSSL are not the
 * gateway's and are left out. About 40-60 s per profile on two cores: tagged slow.
 */
@Tag("slow")
class TlsScanTest {

    /** testssl's sections of findings that describe the gateway's TLS, by their JSON names. */
    private static final Set<String> JUDGED_SECTIONS = Set.of("protocols", "ciphers", "pfs", "vulnerabilities");
    private static final String CLIENT_RENEGOTIATION = "secure_client_renego";
    /** Findings about the test certificate, not about the gateway. */
    private static final Pattern CERTIFICATE_ROWS = Pattern.compile("cert.*|chain_of_trust.*|OCSP_.*|CRL.*|DNS_CAArecord|intermediate_cert.*");

    @TempDir
    static Path dir;
    static Path caFile;
    static Path certificate;
    static Path privateKey;

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config(() -> config("intermediate"))
        .build();

    @BeforeAll
    static void scannerIsInstalled() {
        assertThat(Path.of("/usr/bin/testssl")).as("testssl (Debian package testssl.sh; scripts/test.sh installs it)").exists();
    }

    private static String config(String profile) throws Exception {
        if (caFile == null) {
            KeyPair caKeys = rsa();
            X509Certificate ca = issue(caKeys, "Nexus Test CA", List.of(), caKeys, true);
            KeyPair keys = rsa();
            X509Certificate leaf = issue(keys, "localhost", List.of("localhost"), caKeys, false);
            certificate = dir.resolve("localhost.crt");
            privateKey = dir.resolve("localhost.key");
            writePem(leaf, ca, keys, certificate, privateKey);
            caFile = dir.resolve("ca.pem");
            Files.writeString(caFile, TestCertificates.pem(ca));
        }
        return """
            nexus {
              server.tls {
                enabled = true, port = 0, profile = %s
                certificates = [{ name = "localhost", certificate = "%s", private-key = "%s" }]
                hsts { max-age = 365d, include-subdomains = true }
              }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [ { name = "all", path = "/", upstream = "up" } ]
            }
            """.formatted(profile, certificate, privateKey);
    }

    @Test
    void intermediateProfileScansClean() throws Exception {
        assertScansClean("intermediate", nexus.gateway().tlsPort());
    }

    @Test
    void modernProfileScansClean() throws Exception {
        TestGateway modern = nexus.startGateway(config("modern"));
        assertScansClean("modern", modern.tlsPort());
    }

    private static void assertScansClean(String profile, int port) throws Exception {
        JsonNode scan = scan(profile, port);
        List<String> findings = new ArrayList<>();
        List<String> summary = new ArrayList<>();
        boolean hstsOffered = false;
        boolean hstsMissing = false;
        JsonNode result = scan.path("scanResult").get(0);
        for (Map.Entry<String, JsonNode> field : result.properties()) {
            // The sections are arrays of findings; the other fields (targetHost, port, ...) are not.
            if (!field.getValue().isArray()) {
                continue;
            }
            for (JsonNode row : field.getValue()) {
                String id = row.path("id").asText();
                String severity = row.path("severity").asText();
                String finding = row.path("finding").asText();
                // testssl writes HSTS "not offered" without the header, HSTS_time (and _subdomains, _preload) with it.
                if (id.startsWith("HSTS")) {
                    hstsOffered |= id.equals("HSTS_time");
                    hstsMissing |= finding.contains("not offered");
                    summary.add(field.getKey() + " " + id + " " + severity + ": " + finding);
                }
                if (!JUDGED_SECTIONS.contains(field.getKey())) {
                    continue;
                }
                summary.add(field.getKey() + " " + id + " " + severity + ": " + finding);
                boolean local = severity.equals("WARN") && finding.toLowerCase(Locale.ROOT).contains("openssl");
                if (!severity.equals("OK") && !severity.equals("INFO") && !local && !CERTIFICATE_ROWS.matcher(id).matches()) {
                    findings.add(field.getKey() + " " + id + " " + severity + ": " + finding);
                }
            }
        }
        // testssl's client-renegotiation probe reads the exit code of an s_client fed "R" lines: a
        // client that reaches the end of its input before the server has closed the connection
        // exits 0, which it reports as "VULNERABLE". On a loaded machine (CI) that happened to the
        // gateway, which refuses renegotiation, also when rescanned alone, twice. That one finding
        // is settled by trying it directly instead (serverRefusesClientInitiatedRenegotiation).
        if (findings.size() == 1 && findings.get(0).contains(" " + CLIENT_RENEGOTIATION + " ") && renegotiationRefused(port)) {
            summary.add("(" + findings.remove(0) + ": a TLS 1.2 client's renegotiation, tried directly, was refused)");
        }
        Files.write(Path.of("target", "testssl-" + profile + "-summary.txt"), summary);
        System.out.println("testssl " + profile + ":\n" + String.join("\n", summary));
        assertThat(findings).as(profile).isEmpty();
        assertThat(hstsOffered && !hstsMissing).as("HSTS offered (" + profile + ")").isTrue();
    }

    /** The gateway refuses a renegotiation its client asks for (jdk.tls.rejectClientInitiatedRenegotiation, set by the launcher). */
    @Test
    void serverRefusesClientInitiatedRenegotiation() throws Exception {
        assertThat(renegotiationRefused(nexus.gateway().tlsPort())).isTrue();
    }

    /**
     * A TLS 1.2 client that trusts the test CA shakes hands, then asks to renegotiate: refused
     * when the connection ends instead of answering the request sent after it.
     */
    private static boolean renegotiationRefused(int port) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream pem = Files.newInputStream(caFile)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLSv1.2");
        context.init(null, trustManagers.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.startHandshake();
            try {
                // On an established TLS 1.2 connection this asks the server to renegotiate; the
                // request after it is answered only if the server went along. The gateway ends
                // the connection during that second handshake (close_notify).
                socket.startHandshake();
                socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                return socket.getInputStream().read() == -1;
            } catch (SSLException | SocketException refused) {
                return true;
            }
        }
    }

    private static JsonNode scan(String profile, int port) throws Exception {
        return scan(profile, port, "--fast");
    }

    private static JsonNode scan(String profile, int port, String checks) throws Exception {
        // Kept in target/ after the run: the evidence behind the assertion.
        Path json = Path.of("target", "testssl-" + profile + ".json");
        Files.deleteIfExists(json);
        Path log = Path.of("target", "testssl-" + profile + ".log");
        Process process = new ProcessBuilder("testssl", checks, "--quiet", "--color", "0", "--warnings", "batch", "--nodns", "min",
            "--ip", "127.0.0.1", "--add-ca", caFile.toString(), "--jsonfile-pretty", json.toString(), "https://localhost:" + port + "/")
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("testssl finished").isTrue();
        assertThat(json).as("testssl wrote its JSON; its output:\n" + Files.readString(log)).exists();
        return new ObjectMapper().readTree(json.toFile());
    }
}
