package io.nexus.launcher;

import io.nexus.gateway.testing.RecordingUpstream;
import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ProxyTest {

    static RecordingUpstream upstream;
    static RecordingUpstream based;
    static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = RecordingUpstream.start("up");
        based = RecordingUpstream.start("based");
        gateway = TestGateway.start("""
            nexus {
              server { max-request-body = 8MiB }
              upstreams {
                up { targets = ["%s"] }
                based { targets = ["%s/base/"] }
              }
              routes = [
                { name = "stripped", path = "/svc", upstream = "up", strip-prefix = true }
                { name = "kept", path = "/keep", upstream = "up" }
                { name = "based", path = "/b", upstream = "based", strip-prefix = true }
              ]
            }
            """.formatted(upstream.url(), based.url()));
    }

    @BeforeEach
    void forgetEarlierRequests() {
        upstream.clear();
        based.clear();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
        based.close();
    }

    @Test
    void stripPrefixWorks() throws Exception {
        gateway.get("/svc/users/7?x=1&y=%20z");
        RecordingUpstream.Recorded seen = upstream.takeRequest();
        assertThat(seen.path()).isEqualTo("/users/7");
        assertThat(seen.query()).isEqualTo("x=1&y=%20z");

        gateway.get("/svc");
        assertThat(upstream.takeRequest().path()).isEqualTo("/");
    }

    @Test
    void pathIsKeptWithoutStripPrefix() throws Exception {
        gateway.get("/keep/a/b");
        assertThat(upstream.takeRequest().path()).isEqualTo("/keep/a/b");
    }

    @Test
    void targetBasePathIsPrepended() throws Exception {
        gateway.get("/b/items");
        assertThat(based.takeRequest().path()).isEqualTo("/base/items");
    }

    @Test
    void encodedCharactersSurviveTheTrip() throws Exception {
        gateway.get("/keep/a%20b/caf%C3%A9");
        assertThat(upstream.takeRequest().path()).isEqualTo("/keep/a%20b/caf%C3%A9");
    }

    @Test
    void forwardedHeadersAreSet() throws Exception {
        TestGateway.send(gateway.request("/keep/x")
            .headers(h -> h.put("Host", "shop.example.com").put("X-Forwarded-For", "203.0.113.9")));
        RecordingUpstream.Recorded seen = upstream.takeRequest();
        assertThat(seen.header("X-Forwarded-For")).isEqualTo("203.0.113.9, 127.0.0.1");
        assertThat(seen.header("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(seen.header("X-Forwarded-Host")).isEqualTo("shop.example.com");
        assertThat(seen.header("Via")).isNull();
        assertThat(seen.header("Forwarded")).isNull();
    }

    @Test
    void hopByHopHeadersAreNotForwarded() throws Exception {
        TestGateway.send(gateway.request("/keep/x").headers(h -> h
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
        assertThat(seen.header("TE")).isNull();
        assertThat(seen.header("X-Kept")).isEqualTo("yes");
    }

    @Test
    void hopByHopResponseHeadersAreNotReturned() throws Exception {
        ContentResponse response = TestGateway.send(gateway.request("/keep/x")
            .param("header", "Connection:X-Internal")
            .param("header", "X-Internal:hidden")
            .param("header", "Proxy-Authenticate:Basic")
            .param("header", "X-Public:shown"));
        assertThat(response.getHeaders().get("X-Internal")).isNull();
        assertThat(response.getHeaders().get("Proxy-Authenticate")).isNull();
        assertThat(response.getHeaders().get("X-Public")).isEqualTo("shown");
    }

    @Test
    void responseHeaderValuesPassVerbatimAndRepeatedOnesAllArrive() throws Exception {
        ContentResponse response = TestGateway.send(gateway.request("/keep/x")
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

    @Test
    void validClientRequestIdIsKeptAndForwarded() throws Exception {
        ContentResponse response = TestGateway.send(gateway.request("/keep/x").headers(h -> h.put("X-Request-Id", "abc-123.XYZ")));
        assertThat(response.getHeaders().get("X-Request-Id")).isEqualTo("abc-123.XYZ");
        assertThat(upstream.takeRequest().header("X-Request-Id")).isEqualTo("abc-123.XYZ");
    }

    @Test
    void invalidClientRequestIdIsReplaced() throws Exception {
        ContentResponse response = TestGateway.send(gateway.request("/keep/x").headers(h -> h.put("X-Request-Id", "bad id with spaces")));
        String id = response.getHeaders().get("X-Request-Id");
        assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(upstream.takeRequest().header("X-Request-Id")).isEqualTo(id);
    }

    @Test
    void upstreamRequestIdDoesNotReplaceTheGatewaysOwn() throws Exception {
        ContentResponse response = TestGateway.send(gateway.request("/keep/x").param("header", "X-Request-Id:from-upstream")
            .headers(h -> h.put("X-Request-Id", "client-1")));
        assertThat(response.getHeaders().getValuesList("X-Request-Id")).containsExactly("client-1");
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1024, 5 * 1024 * 1024})
    void requestBodiesArriveIntact(int size) throws Exception {
        byte[] body = RecordingUpstream.bytes(size);
        ContentResponse response = TestGateway.send(gateway.request("/keep/upload").method("POST")
            .body(new BytesRequestContent("application/octet-stream", body)));
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(sha256(upstream.takeRequest().body())).isEqualTo(sha256(body));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1024, 5 * 1024 * 1024})
    void responseBodiesArriveIntact(int size) throws Exception {
        ContentResponse response = TestGateway.send(gateway.request("/keep/download").param("bytes", Integer.toString(size)));
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContent()).hasSize(size);
        assertThat(sha256(response.getContent())).isEqualTo(sha256(RecordingUpstream.bytes(size)));
    }

    @Test
    void chunkedRequestBodyIsStreamedBothWays() throws Exception {
        byte[] body = RecordingUpstream.bytes(3 * 1024 * 1024 + 17);
        var content = new org.eclipse.jetty.client.AsyncRequestContent("application/octet-stream");
        var request = gateway.request("/keep/echo").method("PUT").param("echo", "1").body(content);
        var future = new org.eclipse.jetty.client.CompletableResponseListener(request, TestGateway.MAX_BODY).send();
        for (int offset = 0; offset < body.length; offset += 64 * 1024) {
            int length = Math.min(64 * 1024, body.length - offset);
            content.write(java.nio.ByteBuffer.wrap(body, offset, length), org.eclipse.jetty.util.Callback.NOOP);
        }
        content.close();
        ContentResponse response = future.get(15, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(sha256(response.getContent())).isEqualTo(sha256(body));
    }

    @Test
    void declaredBodyOverTheLimitIs413() throws Exception {
        // A raw request: a real client would still be uploading when the 413 arrives.
        String response = RawHttp.exchange(gateway.gateway.publicPort(),
            "POST /keep/upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + (8 * 1024 * 1024 + 1) + "\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 413 ").contains("\"code\":\"payload_too_large\"");
        assertThat(upstream.pending()).isZero();
    }

    @Test
    void redirectsAreProxiedNotFollowed() throws Exception {
        ContentResponse response = TestGateway.send(gateway.request("/svc/status/302").param("header", "Location:/elsewhere"));
        assertThat(response.getStatus()).isEqualTo(302);
        assertThat(response.getHeaders().get("Location")).isEqualTo("/elsewhere");
    }

    @Test
    void upstreamErrorStatusesPassThrough() throws Exception {
        ContentResponse response = gateway.get("/svc/status/503");
        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getHeaders().get("X-Upstream")).isEqualTo("up");
    }

    static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
