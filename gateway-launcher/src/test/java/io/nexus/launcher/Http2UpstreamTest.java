package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigUtil;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/2 to upstreams (docs/protocols.md): {@code h2c} by prior knowledge, {@code h2} over TLS
 * with ALPN and a private CA, {@code auto} choosing by scheme; each upstream records the HTTP
 * version it saw. Trailers pass both ways; requests share multiplexed connections up to
 * {@code max-connections-per-target}, and {@code max-requests} still sheds.
 */
class Http2UpstreamTest {

    private static final PrivateCa CA = ca(tempDir("nexus-h2-upstream"));
    private static final Recorder CLEAR = new Recorder();
    private static final Recorder TLS = new Recorder();
    private static HttpClient h2c;

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .server("clear", () -> Http2Servers.cleartext(CLEAR))
        .server("tls", () -> Http2Servers.tls(TLS, CA.keyStore("localhost"), null))
        .config(() -> """
            nexus {
              upstreams {
                h2c { targets = [${upstreams.clear}], protocol = h2c }
                h2 { targets = [${upstreams.tls}], protocol = h2, tls.ca-file = %1$s }
                auto-tls { targets = [${upstreams.tls}], protocol = auto, tls.ca-file = %1$s }
                auto-clear { targets = [${upstreams.clear}], protocol = auto }
                http1-tls { targets = [${upstreams.tls}], tls.ca-file = %1$s }
                one-connection { targets = [${upstreams.clear}], protocol = h2c, max-connections-per-target = 1 }
                two-places { targets = [${upstreams.clear}], protocol = h2c, max-requests = 2, max-pending-requests = 0 }
              }
              routes = [
                { name = "h2c", path = "/h2c", upstream = "h2c", strip-prefix = true }
                { name = "h2", path = "/h2", upstream = "h2", strip-prefix = true }
                { name = "auto-tls", path = "/auto-tls", upstream = "auto-tls", strip-prefix = true }
                { name = "auto-clear", path = "/auto-clear", upstream = "auto-clear", strip-prefix = true }
                { name = "http1-tls", path = "/http1-tls", upstream = "http1-tls", strip-prefix = true }
                { name = "one-connection", path = "/one", upstream = "one-connection", strip-prefix = true }
                { name = "two-places", path = "/two", upstream = "two-places", strip-prefix = true }
              ]
            }
            """.formatted(ConfigUtil.quoteString(CA.caFile().toString())))
        .build();

    @BeforeAll
    static void startClient() throws Exception {
        h2c = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        h2c.start();
    }

    @AfterAll
    static void stopClient() throws Exception {
        h2c.stop();
    }

    @Test
    void h2cUpstreamIsSpokenToInHttp2ByPriorKnowledge() throws Exception {
        ContentResponse response = nexus.get("/h2c/hello");
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getHeaders().get("X-Seen-Version")).isEqualTo("HTTP/2.0");
        assertThat(response.getContentAsString()).isEqualTo("GET /hello");
    }

    @Test
    void h2UpstreamNegotiatesHttp2ByAlpnAndTrustsThePrivateCa() throws Exception {
        ContentResponse response = nexus.get("/h2/hello");
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getHeaders().get("X-Seen-Version")).isEqualTo("HTTP/2.0");
        assertThat(response.getHeaders().get("X-Seen-Secure")).isEqualTo("true");
    }

    @Test
    void autoNegotiatesHttp2WithHttpsTargetsAndSpeaksHttp1ToHttpOnes() throws Exception {
        assertThat(nexus.get("/auto-tls/").getHeaders().get("X-Seen-Version")).isEqualTo("HTTP/2.0");
        assertThat(nexus.get("/auto-clear/").getHeaders().get("X-Seen-Version")).isEqualTo("HTTP/1.1");
        assertThat(nexus.get("/http1-tls/").getHeaders().get("X-Seen-Version")).isEqualTo("HTTP/1.1");
    }

    @Test
    void trailersPassBothWays() throws Exception {
        // An HTTP/2 client (h2c by prior knowledge on the public port) sends a body with trailers.
        ContentResponse response = new CompletableResponseListener(h2c.newRequest("http://127.0.0.1:" + nexus.gateway().publicPort() + "/h2c/echo")
            .method("POST")
            .body(new StringRequestContent("text/plain", "payload"))
            .trailersSupplier(() -> HttpFields.build().add("X-Client-Trailer", "from-client"))
            .timeout(10, TimeUnit.SECONDS)).send().get(15, TimeUnit.SECONDS);
        assertThat(response.getVersion()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentAsString()).isEqualTo("POST /echo payload");
        assertThat(response.getTrailers()).isNotNull();
        assertThat(response.getTrailers().get("X-Upstream-Trailer")).isEqualTo("done");
        // The upstream saw the client's trailer, and said so in its own.
        assertThat(response.getTrailers().get("X-Echoed-Trailer")).isEqualTo("from-client");
    }

    @Test
    void trailersReachAnHttp1ClientThatAcceptsThem() throws Exception {
        ContentResponse response = TestGateway.send(nexus.request("/h2c/echo").method("POST").headers(h -> h.put("TE", "trailers"))
            .body(new StringRequestContent("text/plain", "x")));
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getTrailers()).isNotNull();
        assertThat(response.getTrailers().get("X-Upstream-Trailer")).isEqualTo("done");
        assertThat(CLEAR.lastTe).isEqualTo("trailers");
    }

    @Test
    void requestsShareOneMultiplexedConnectionUpToTheTargetsStreams() throws Exception {
        CLEAR.hold = new CountDownLatch(1);
        Set<Integer> before = Set.copyOf(CLEAR.clientPorts);
        List<CompletableFuture<ContentResponse>> pending = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                pending.add(new CompletableResponseListener(nexus.request("/one/hold").timeout(10, TimeUnit.SECONDS)).send());
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> CLEAR.held.get() >= 20);
        } finally {
            CLEAR.hold.countDown();
        }
        for (CompletableFuture<ContentResponse> response : pending) {
            assertThat(response.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        }
        // 20 requests in flight at once, over the one connection max-connections-per-target allows.
        Set<Integer> used = new java.util.HashSet<>(CLEAR.clientPortsOf("/hold"));
        used.removeAll(before);
        assertThat(used).hasSize(1);
        CLEAR.held.set(0);
    }

    @Test
    void maxRequestsStillShedsOnMultiplexedConnections() throws Exception {
        CLEAR.hold = new CountDownLatch(1);
        CLEAR.held.set(0);
        List<CompletableFuture<ContentResponse>> held = new ArrayList<>();
        ContentResponse third;
        try {
            held.add(new CompletableResponseListener(nexus.request("/two/hold")).send());
            held.add(new CompletableResponseListener(nexus.request("/two/hold")).send());
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> CLEAR.held.get() >= 2);
            third = nexus.get("/two/hold");
        } finally {
            CLEAR.hold.countDown();
        }
        assertThat(third.getStatus()).isEqualTo(503);
        assertThat(third.getContentAsString()).contains("\"cause\":\"upstream_queue_full\"");
        for (CompletableFuture<ContentResponse> response : held) {
            assertThat(response.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        }
        CLEAR.held.set(0);
    }

    /**
     * Answers {@code METHOD /path body}, with the HTTP version it saw in {@code X-Seen-Version},
     * and trailers: {@code X-Upstream-Trailer: done} and the client's {@code X-Client-Trailer}
     * echoed. {@code /hold} waits for {@link #hold}.
     */
    static final class Recorder extends Handler.Abstract {
        final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
        final List<Integer> clientPorts = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final java.util.Map<Integer, String> paths = new ConcurrentHashMap<>();
        volatile CountDownLatch hold = new CountDownLatch(0);
        volatile String lastTe;

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = Request.getPathInContext(request);
            int port = Request.getRemotePort(request);
            clientPorts.add(port);
            paths.merge(port, path, (a, b) -> a + " " + b);
            lastTe = request.getHeaders().get("TE");
            String body = Content.Source.asString(request);
            HttpFields trailers = request.getTrailers();
            if (path.equals("/hold")) {
                held.incrementAndGet();
                hold.await(10, TimeUnit.SECONDS);
            }
            response.getHeaders().put("X-Seen-Version", request.getConnectionMetaData().getHttpVersion().asString());
            response.getHeaders().put("X-Seen-Secure", Boolean.toString(request.isSecure()));
            String echoed = trailers == null ? "none" : String.valueOf(trailers.get("X-Client-Trailer"));
            response.setTrailersSupplier(() -> HttpFields.build().add("X-Upstream-Trailer", "done").add("X-Echoed-Trailer", echoed));
            String text = request.getMethod() + " " + path + (body.isEmpty() ? "" : " " + body);
            response.write(true, java.nio.ByteBuffer.wrap(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)), callback);
            return true;
        }

        List<Integer> clientPortsOf(String path) {
            return paths.entrySet().stream().filter(e -> e.getValue().contains(path)).map(java.util.Map.Entry::getKey).toList();
        }
    }

    static Path tempDir(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            dir.toFile().deleteOnExit();
            return dir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static PrivateCa ca(Path dir) {
        try {
            return new PrivateCa(dir);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
