package io.nexus.launcher;

import io.nexus.gateway.testing.RawHttp;
import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The core of the proxy, over HTTP/1.1 and HTTP/2: paths, headers and bodies as the upstream receives them. */
class ProxyTest {

    /** The sizes of the body tests: empty, small, and several flow-control windows. */
    private static final int[] SIZES = {0, 1024, 5 * 1024 * 1024};

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .recordingUpstream("based")
        .config("""
            nexus {
              server { max-request-body = 8MiB }
              upstreams {
                up { targets = [${upstreams.up}] }
                based { targets = [${upstreams.based}"/base/"] }
              }
              routes = [
                { name = "stripped", path = "/svc", upstream = "up", strip-prefix = true }
                { name = "kept", path = "/keep", upstream = "up" }
                { name = "based", path = "/b", upstream = "based", strip-prefix = true }
              ]
            }
            """)
        .build();

    RecordingUpstream upstream;
    RecordingUpstream based;

    @BeforeEach
    void forgetEarlierRequests() {
        upstream = nexus.upstream("up");
        based = nexus.upstream("based");
        upstream.clear();
        based.clear();
    }

    @ProtocolTest
    void stripPrefixWorks(GatewayClient client) throws Exception {
        client.get("/svc/users/7?x=1&y=%20z");
        RecordingUpstream.Recorded seen = upstream.takeRequest();
        assertThat(seen.path()).isEqualTo("/users/7");
        assertThat(seen.query()).isEqualTo("x=1&y=%20z");

        client.get("/svc");
        assertThat(upstream.takeRequest().path()).isEqualTo("/");
    }

    @ProtocolTest
    void pathIsKeptWithoutStripPrefix(GatewayClient client) throws Exception {
        client.get("/keep/a/b");
        assertThat(upstream.takeRequest().path()).isEqualTo("/keep/a/b");
    }

    @ProtocolTest
    void targetBasePathIsPrepended(GatewayClient client) throws Exception {
        client.get("/b/items");
        assertThat(based.takeRequest().path()).isEqualTo("/base/items");
    }

    @ProtocolTest
    void encodedCharactersSurviveTheTrip(GatewayClient client) throws Exception {
        client.get("/keep/a%20b/caf%C3%A9");
        assertThat(upstream.takeRequest().path()).isEqualTo("/keep/a%20b/caf%C3%A9");
    }

    @ProtocolTest
    void forwardedHeadersAreSet(GatewayClient client) throws Exception {
        TestGateway.send(client.requestFor("shop.example.com", "/keep/x").headers(h -> h.put("X-Forwarded-For", "203.0.113.9")));
        RecordingUpstream.Recorded seen = upstream.takeRequest();
        // The client is no trusted proxy: what it wrote in X-Forwarded-For is not passed on.
        assertThat(seen.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(seen.header("X-Forwarded-Proto")).isEqualTo(client.protocol().scheme());
        assertThat(seen.header("Via")).isNull();
        assertThat(seen.header("Forwarded")).isEqualTo("for=127.0.0.1;host=shop.example.com;proto=" + client.protocol().scheme());
    }

    @ProtocolTest
    void forwardedHostIsTheHostTheClientAskedFor(GatewayClient client) throws Exception {
        // Over HTTP/2 the host travels as :authority, not as a Host header.
        TestGateway.send(client.requestFor("shop.example.com", "/keep/x"));
        assertThat(upstream.takeRequest().header("X-Forwarded-Host")).isEqualTo("shop.example.com");
    }

    @ProtocolTest
    void hopByHopHeadersAreNotForwarded(GatewayClient client) throws Exception {
        TestGateway.send(client.request("/keep/x").headers(h -> h
            .put("Connection", "X-Session-Secret, keep-alive")
            .put("X-Session-Secret", "s3cret")
            .put("Keep-Alive", "timeout=5")
            .put("Proxy-Authorization", "Basic Zm9vOmJhcg==")
            .put("TE", "trailers")
            .put("X-Kept", "yes")));
        RecordingUpstream.Recorded seen = upstream.takeRequest();
        assertThat(seen.header("X-Session-Secret")).isNull();
        assertThat(seen.header("Keep-Alive")).isNull();
        assertThat(seen.header("Proxy-Authorization")).isNull();
        // The client's TE is not forwarded; the gateway asks for trailers itself, since it relays them.
        assertThat(seen.header("TE")).isEqualTo("trailers");
        assertThat(seen.header("X-Kept")).isEqualTo("yes");
    }

    @ProtocolTest
    void hopByHopResponseHeadersAreNotReturned(GatewayClient client) throws Exception {
        ContentResponse response = TestGateway.send(client.request("/keep/x")
            .param("header", "Connection:X-Internal")
            .param("header", "X-Internal:hidden")
            .param("header", "Proxy-Authenticate:Basic")
            .param("header", "X-Public:shown"));
        assertThat(response.getHeaders().get("X-Internal")).isNull();
        assertThat(response.getHeaders().get("Proxy-Authenticate")).isNull();
        assertThat(response.getHeaders().get("X-Public")).isEqualTo("shown");
    }

    @ProtocolTest
    void responseHeaderValuesPassVerbatimAndRepeatedOnesAllArrive(GatewayClient client) throws Exception {
        ContentResponse response = TestGateway.send(client.request("/keep/x")
            .param("header", "ETag:\"v1, beta\"")
            .param("header", "Cache-Control:max-age=60,  must-revalidate")
            .param("header", "Set-Cookie:a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT")
            .param("header", "Set-Cookie:b=2"));
        // Quotes and spacing are the upstream's: an ETag without its quotes no longer matches.
        assertThat(response.getHeaders().get("ETag")).isEqualTo("\"v1, beta\"");
        assertThat(response.getHeaders().get("Cache-Control")).isEqualTo("max-age=60,  must-revalidate");
        assertThat(response.getHeaders().getValuesList("Set-Cookie"))
            .containsExactly("a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT", "b=2");
    }

    @ProtocolTest
    void validClientRequestIdIsKeptAndForwarded(GatewayClient client) throws Exception {
        ContentResponse response = TestGateway.send(client.request("/keep/x").headers(h -> h.put("X-Request-Id", "abc-123.XYZ")));
        assertThat(response.getHeaders().get("X-Request-Id")).isEqualTo("abc-123.XYZ");
        assertThat(upstream.takeRequest().header("X-Request-Id")).isEqualTo("abc-123.XYZ");
    }

    @ProtocolTest
    void invalidClientRequestIdIsReplaced(GatewayClient client) throws Exception {
        ContentResponse response = TestGateway.send(client.request("/keep/x").headers(h -> h.put("X-Request-Id", "bad id with spaces")));
        String id = response.getHeaders().get("X-Request-Id");
        assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(upstream.takeRequest().header("X-Request-Id")).isEqualTo(id);
    }

    @ProtocolTest
    void upstreamRequestIdDoesNotReplaceTheGatewaysOwn(GatewayClient client) throws Exception {
        ContentResponse response = TestGateway.send(client.request("/keep/x").param("header", "X-Request-Id:from-upstream")
            .headers(h -> h.put("X-Request-Id", "client-1")));
        assertThat(response.getHeaders().getValuesList("X-Request-Id")).containsExactly("client-1");
    }

    @ProtocolTest
    void requestBodiesArriveIntact(GatewayClient client) throws Exception {
        for (int size : SIZES) {
            byte[] body = RecordingUpstream.bytes(size);
            ContentResponse response = TestGateway.send(client.request("/keep/upload").method("POST")
                .body(new BytesRequestContent("application/octet-stream", body)));
            assertThat(response.getStatus()).as("%d bytes", size).isEqualTo(200);
            assertThat(sha256(upstream.takeRequest().body())).as("%d bytes", size).isEqualTo(sha256(body));
        }
    }

    @ProtocolTest
    void responseBodiesArriveIntact(GatewayClient client) throws Exception {
        for (int size : SIZES) {
            ContentResponse response = TestGateway.send(client.request("/keep/download").param("bytes", Integer.toString(size)));
            assertThat(response.getStatus()).as("%d bytes", size).isEqualTo(200);
            assertThat(response.getContent()).as("%d bytes", size).hasSize(size);
            assertThat(sha256(response.getContent())).as("%d bytes", size).isEqualTo(sha256(RecordingUpstream.bytes(size)));
        }
    }

    @ProtocolTest
    void chunkedRequestBodyIsStreamedBothWays(GatewayClient client) throws Exception {
        byte[] body = RecordingUpstream.bytes(3 * 1024 * 1024 + 17);
        AsyncRequestContent content = new AsyncRequestContent("application/octet-stream");
        var request = client.request("/keep/echo").method("PUT").param("echo", "1").body(content);
        CompletableFuture<ContentResponse> future = new CompletableResponseListener(request, TestGateway.MAX_BODY).send();
        for (int offset = 0; offset < body.length; offset += 64 * 1024) {
            int length = Math.min(64 * 1024, body.length - offset);
            content.write(ByteBuffer.wrap(body, offset, length), Callback.NOOP);
        }
        content.close();
        ContentResponse response = future.get(15, TimeUnit.SECONDS);
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(sha256(response.getContent())).isEqualTo(sha256(body));
    }

    @Test
    void declaredBodyOverTheLimitIs413() throws Exception {
        // A raw request: a real client would still be uploading when the 413 arrives.
        String response = RawHttp.exchange(nexus.gateway().publicPort(),
            "POST /keep/upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + (8 * 1024 * 1024 + 1) + "\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 413 ").contains("\"code\":\"payload_too_large\"");
        assertThat(upstream.pending()).isZero();
    }

    @ProtocolTest
    void redirectsAreProxiedNotFollowed(GatewayClient client) throws Exception {
        ContentResponse response = TestGateway.send(client.request("/svc/status/302").param("header", "Location:/elsewhere"));
        assertThat(response.getStatus()).isEqualTo(302);
        assertThat(response.getHeaders().get("Location")).isEqualTo("/elsewhere");
    }

    @ProtocolTest
    void upstreamErrorStatusesPassThrough(GatewayClient client) throws Exception {
        ContentResponse response = client.get("/svc/status/503");
        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getHeaders().get("X-Upstream")).isEqualTo("up");
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
