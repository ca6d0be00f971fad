package io.nexus.launcher;

import static io.nexus.launcher.TestCertificates.issue;
import static io.nexus.launcher.TestCertificates.rsa;
import static io.nexus.launcher.TestCertificates.writePem;
import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.awaitility.Awaitility;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS termination against a test CA made here: real handshakes, SNI choosing among a PEM and a
 * PKCS12 certificate, HTTP/2 over ALPN, and certificate files rotated under a running gateway.
 */
class TlsTest {

    @TempDir
    static Path dir;
    static KeyPair caKeys;
    static X509Certificate ca;
    static X509Certificate api;
    static X509Certificate shop;
    static KeyPair shopKeys;
    static TrustManagerFactory trustManagers;
    static SSLContext client;

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config(TlsTest::config)
        .build();

    /** Makes the CA and the two certificates (PEM and PKCS12) the config names, then the config. */
    private static String config() throws Exception {
        caKeys = rsa();
        ca = issue(caKeys, "Nexus Test CA", List.of(), caKeys, true);
        KeyPair apiKeys = rsa();
        api = issue(apiKeys, "api.test", List.of("api.test", "localhost"), caKeys, false);
        writePem(api, ca, apiKeys, dir.resolve("api.crt"), dir.resolve("api.key"));
        shopKeys = rsa();
        shop = issue(shopKeys, "shop.test", List.of("shop.test"), caKeys, false);
        writeShopKeystore();
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        client = newClientContext();

        return """
            nexus {
              server.max-request-body = 1KiB
              server.tls {
                enabled = true, port = 0, reload-interval = 100ms
                certificates = [
                  { name = "api", certificate = "%s", private-key = "%s" }
                  { name = "shop", keystore = "%s", keystore-password = "changeit" }
                ]
              }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [ { name = "keep", path = "/keep", upstream = "up" } ]
            }
            """.formatted(dir.resolve("api.crt"), dir.resolve("api.key"), dir.resolve("shop.p12"));
    }

    private static RecordingUpstream upstream() {
        return nexus.upstream("up");
    }

    @Test
    void sniPicksTheCertificateAndTheFirstIsTheDefault() throws Exception {
        assertThat(handshake("shop.test").getSerialNumber()).isEqualTo(shop.getSerialNumber());
        assertThat(handshake("api.test").getSerialNumber()).isEqualTo(api.getSerialNumber());
        assertThat(handshake(null).getSerialNumber()).isEqualTo(api.getSerialNumber());
        assertThat(handshake("unknown.test").getSerialNumber()).isEqualTo(api.getSerialNumber());
    }

    @Test
    void http11OverTlsIsProxiedWithForwardedProtoHttps() throws Exception {
        try (SSLSocket socket = socket("api.test")) {
            socket.startHandshake();
            assertThat(socket.getSession().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
            OutputStream out = socket.getOutputStream();
            out.write("GET /keep/secure HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(response).startsWith("HTTP/1.1 200 ");
        }
        RecordingUpstream.Recorded seen = upstream().takeRequest();
        assertThat(seen.path()).isEqualTo("/keep/secure");
        assertThat(seen.header("X-Forwarded-Proto")).isEqualTo("https");
    }

    /** Python, many SDKs and curl --http1.1 offer only "http/1.1" by ALPN; the gateway once reset them. */
    @Test
    void aClientOfferingOnlyHttp11ByAlpnGetsHttp11() throws Exception {
        for (String[] offered : new String[][] {{"http/1.1"}, {"h2", "http/1.1"}}) {
            try (SSLSocket socket = socket("api.test")) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setApplicationProtocols(offered);
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                assertThat(socket.getApplicationProtocol()).as(String.join(",", offered)).isEqualTo(offered[0]);
                if (offered[0].equals("http/1.1")) {
                    socket.getOutputStream().write("GET /keep/alpn HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n"
                        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    assertThat(new String(socket.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200");
                }
            }
        }
    }

    @Test
    void oldProtocolsAreRefused() throws Exception {
        try (SSLSocket socket = socket("api.test")) {
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.startHandshake();
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
        }
        try (SSLSocket socket = socket("api.test")) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setProtocols(new String[] {"TLSv1.1"});
            socket.setSSLParameters(parameters);
            org.assertj.core.api.Assertions.assertThatThrownBy(socket::startHandshake).isInstanceOf(javax.net.ssl.SSLException.class);
        }
    }

    @Test
    void rotatedCertificateServesNewHandshakesWhileAnOpenHttp2ConnectionKeepsWorking() throws Exception {
        HTTP2Client http2 = new HTTP2Client();
        http2.start();
        try {
            SslContextFactory.Client ssl = new SslContextFactory.Client();
            ssl.setSslContext(client);
            ssl.setEndpointIdentificationAlgorithm(null);
            ssl.start();
            Session session = http2.connect(ssl, new InetSocketAddress("127.0.0.1", nexus.gateway().tlsPort()), new Session.Listener() { })
                .get(5, TimeUnit.SECONDS);
            assertThat(get(session, "/keep/before")).isEqualTo(200);

            KeyPair renewedKeys = rsa();
            X509Certificate renewed = issue(renewedKeys, "api.test", List.of("api.test", "localhost"), caKeys, false);
            writePem(renewed, ca, renewedKeys, dir.resolve("api.crt"), dir.resolve("api.key"));

            Awaitility.await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(handshake("api.test").getSerialNumber()).isEqualTo(renewed.getSerialNumber()));
            assertThat(handshake("shop.test").getSerialNumber()).isEqualTo(shop.getSerialNumber());
            // The connection opened before the rotation is still up and still serves requests.
            assertThat(session.isClosed()).isFalse();
            assertThat(get(session, "/keep/after")).isEqualTo(200);
            api = renewed;
            nexus.awaitMetrics(metrics -> {
                assertThat(metric(metrics, "nexus_tls_reloads_total{result=\"success\"}")).isGreaterThanOrEqualTo(1);
                assertThat(metric(metrics, "nexus_tls_certificate_expiry_seconds{name=\"api\"}"))
                    .isEqualTo(renewed.getNotAfter().toInstant().getEpochSecond());
                assertThat(metric(metrics, "nexus_tls_certificate_expiry_seconds{name=\"shop\"}"))
                    .isEqualTo(shop.getNotAfter().toInstant().getEpochSecond());
            });
        } finally {
            http2.stop();
            upstream().clear();
        }
    }

    /**
     * The SSLContext outlives a reload, and with it the session ticket keys: a client resumes the
     * session it made before the certificate files changed, instead of a full handshake for every
     * client of the fleet whenever a file changes (Jetty's {@code SslContextFactory.reload}
     * builds a new context and forgets them). Here the PKCS12 file of the other certificate is
     * rewritten (a new salt: other bytes, a reload); the JDK refuses, by design, a ticket whose
     * own certificate was replaced (docs/tls.md). A resumed session keeps its creation time.
     */
    @Test
    void sessionsResumeAcrossACertificateReload() throws Exception {
        SSLContext resuming = newClientContext();
        double reloadsBefore = reloads();
        long created = request(resuming, "api.test", "/keep/ticket").getCreationTime();
        writeShopKeystore();
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> nexus.awaitMetrics(metrics ->
            assertThat(metric(metrics, "nexus_tls_reloads_total{result=\"success\"}")).isGreaterThan(reloadsBefore)));

        assertThat(request(resuming, "api.test", "/keep/resumed").getCreationTime()).as("resumed").isEqualTo(created);
        upstream().clear();
    }

    /** A GET on a new connection from {@code context} (whose session cache may resume); the session it ran in. */
    private static SSLSession request(SSLContext context, String sni, String path) throws Exception {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", nexus.gateway().tlsPort())) {
            socket.setSoTimeout(5000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(sni)));
            socket.setSSLParameters(parameters);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            // Reading the whole response also reads the session ticket the server sent after the handshake.
            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200 ");
            return socket.getSession();
        }
    }

    /**
     * RFC 9113 §8.2.2: connection-specific fields make an HTTP/2 request malformed; {@code te:
     * trailers} is the exception. Jetty's own HTTP/2 client never encodes such fields, so the
     * request is written as raw frames (HPACK literals without Huffman coding).
     */
    @Test
    void http2RequestsWithConnectionSpecificFieldsAre400() throws Exception {
        String[][] cases = {{"connection", "keep-alive", "400"}, {"keep-alive", "timeout=5", "400"}, {"upgrade", "websocket", "400"},
            {"proxy-connection", "close", "400"}, {"te", "gzip", "400"}, {"te", "trailers", "200"}};
        for (String[] field : cases) {
            assertThat(RawHttp2.status(client, nexus.gateway().tlsPort(), "/keep/x", field[0], field[1]))
                .as(field[0] + ": " + field[1]).isEqualTo(Integer.parseInt(field[2]));
        }
        // transfer-encoding: refused by the filter, or earlier by Jetty's HTTP/2 parser with a stream error.
        assertThat(RawHttp2.status(client, nexus.gateway().tlsPort(), "/keep/x", "transfer-encoding", "chunked")).isNotEqualTo(200)
            .satisfiesAnyOf(status -> assertThat(status).isEqualTo(400), status -> assertThat(status).isNegative());
        upstream().clear();
    }

    @Test
    void http2BodiesWithoutContentLengthAreProxiedAndLimited() throws Exception {
        HTTP2Client http2 = new HTTP2Client();
        http2.start();
        try {
            SslContextFactory.Client ssl = new SslContextFactory.Client();
            ssl.setSslContext(client);
            ssl.setEndpointIdentificationAlgorithm(null);
            ssl.start();
            Session session = http2.connect(ssl, new InetSocketAddress("127.0.0.1", nexus.gateway().tlsPort()), new Session.Listener() { })
                .get(5, TimeUnit.SECONDS);
            MetaData.Request request = new MetaData.Request("POST", HttpURI.from("https://api.test:" + nexus.gateway().tlsPort() + "/keep/upload"),
                HttpVersion.HTTP_2, HttpFields.EMPTY);
            CompletableFuture<Integer> status = new CompletableFuture<>();
            Stream stream = session.newStream(new HeadersFrame(request, null, false), new Stream.Listener() {
                @Override
                public void onHeaders(Stream stream, HeadersFrame frame) {
                    status.complete(((MetaData.Response) frame.getMetaData()).getStatus());
                }
            }).get(5, TimeUnit.SECONDS);
            // No content-length: 3 x 512 bytes, over the 1 KiB limit at the third frame. A Jetty
            // HTTP/2 stream takes one DATA write at a time: a write issued before the previous one
            // completed fails with WritePendingException and its frame is never sent (with the last
            // one, the stream never ends), so each write is awaited before the next.
            for (int i = 0; i < 3; i++) {
                stream.data(new org.eclipse.jetty.http2.frames.DataFrame(stream.getId(), java.nio.ByteBuffer.allocate(512), i == 2))
                    .get(5, TimeUnit.SECONDS);
            }
            assertThat(status.get(10, TimeUnit.SECONDS)).isEqualTo(413);
            assertThat(upstream().pending()).isZero();

            // Within the limit, a body without content-length arrives whole; a GET stays without one.
            CompletableFuture<Integer> small = new CompletableFuture<>();
            Stream upload = session.newStream(new HeadersFrame(request, null, false), new Stream.Listener() {
                @Override
                public void onHeaders(Stream stream, HeadersFrame frame) {
                    small.complete(((MetaData.Response) frame.getMetaData()).getStatus());
                    stream.demand();
                }

                @Override
                public void onDataAvailable(Stream stream) {
                    Stream.Data data = stream.readData();
                    if (data != null) {
                        data.release();
                        if (data.frame().isEndStream()) {
                            return;
                        }
                    }
                    stream.demand();
                }
            }).get(5, TimeUnit.SECONDS);
            upload.data(new org.eclipse.jetty.http2.frames.DataFrame(upload.getId(),
                java.nio.ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)), true)).get(5, TimeUnit.SECONDS);
            assertThat(small.get(10, TimeUnit.SECONDS)).isEqualTo(200);
            assertThat(upstream().takeRequest().bodyText()).isEqualTo("hello");
            assertThat(get(session, "/keep/plain")).isEqualTo(200);
            RecordingUpstream.Recorded plain = upstream().takeRequest();
            assertThat(plain.body()).isEmpty();
            assertThat(plain.header("Transfer-Encoding")).isNull();
        } finally {
            http2.stop();
        }
    }

    private static double reloads() throws Exception {
        double[] value = new double[1];
        nexus.awaitMetrics(metrics -> value[0] = metric(metrics, "nexus_tls_reloads_total{result=\"success\"}"));
        return value[0];
    }

    private static void writeShopKeystore() throws Exception {
        KeyStore p12 = KeyStore.getInstance("PKCS12");
        p12.load(null, null);
        p12.setKeyEntry("shop", shopKeys.getPrivate(), "changeit".toCharArray(), new Certificate[] {shop, ca});
        Path next = dir.resolve("shop.p12.next");
        try (OutputStream out = Files.newOutputStream(next)) {
            p12.store(out, "changeit".toCharArray());
        }
        Files.move(next, dir.resolve("shop.p12"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static double metric(String metrics, String series) {
        return metrics.lines().filter(line -> line.startsWith(series + " ")).mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1)))
            .findFirst().orElseThrow(() -> new AssertionError(series + " not in /metrics"));
    }

    private static int get(Session session, String path) throws Exception {
        MetaData.Request request = new MetaData.Request("GET", HttpURI.from("https://api.test:" + nexus.gateway().tlsPort() + path),
            HttpVersion.HTTP_2, HttpFields.EMPTY);
        CompletableFuture<Integer> status = new CompletableFuture<>();
        session.newStream(new HeadersFrame(request, null, true), new Stream.Listener() {
            @Override
            public void onHeaders(Stream stream, HeadersFrame frame) {
                status.complete(((MetaData.Response) frame.getMetaData()).getStatus());
                if (!frame.isEndStream()) {
                    stream.demand();
                }
            }

            @Override
            public void onDataAvailable(Stream stream) {
                Stream.Data data = stream.readData();
                if (data != null) {
                    data.release();
                    if (data.frame().isEndStream()) {
                        return;
                    }
                }
                stream.demand();
            }
        }).get(5, TimeUnit.SECONDS);
        return status.get(10, TimeUnit.SECONDS);
    }

    /** A client without cached sessions: a resumed session would show the certificate of an earlier handshake. */
    private static SSLContext newClientContext() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        return context;
    }

    private static SSLSocket socket(String sni) throws Exception {
        SSLSocket socket = (SSLSocket) newClientContext().getSocketFactory().createSocket("127.0.0.1", nexus.gateway().tlsPort());
        socket.setSoTimeout(5000);
        if (sni != null) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(sni)));
            socket.setSSLParameters(parameters);
        }
        return socket;
    }

    private static X509Certificate handshake(String sni) throws Exception {
        try (SSLSocket socket = socket(sni)) {
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
