package io.nexus.launcher;

import io.nexus.gateway.testing.RawHttp;
import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests a well-behaved client never sends, written byte by byte to a raw socket: each is
 * refused with a 4xx, the upstream sees nothing, and the gateway keeps serving.
 */
class HostileInputTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config("""
            nexus {
              server { max-request-body = 1KiB, max-header-count = 20, max-request-header-size = 4KiB }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [ { name = "keep", path = "/keep", upstream = "up" } ]
            }
            """)
        .build();

    private static RecordingUpstream upstream() {
        return nexus.upstream("up");
    }

    @BeforeEach
    void forgetEarlierRequests() {
        upstream().clear();
    }

    @AfterEach
    void gatewayStillServes() throws Exception {
        int before = upstream().requestCount();
        assertThat(nexus.get("/keep/still-alive").getStatus()).isEqualTo(200);
        assertThat(upstream().takeRequest().path()).isEqualTo("/keep/still-alive");
        assertThat(upstream().requestCount()).isEqualTo(before + 1);
    }

    private static String send(String request) throws Exception {
        return RawHttp.exchange(nexus.gateway().publicPort(), request);
    }

    private static void assertRefused(String response, int status) {
        assertThat(response).startsWith("HTTP/1.1 " + status + " ");
        assertThat(upstream().pending()).isZero();
    }

    @Test
    void contentLengthWithTransferEncodingIs400() throws Exception {
        String response = send("POST /keep/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assertRefused(response, 400);
        assertThat(response).contains("\"code\":\"bad_request\"").contains("Content-Type: application/json");
    }

    @Test
    void duplicateContentLengthIs400() throws Exception {
        assertRefused(send("POST /keep/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde"), 400);
        assertRefused(send("POST /keep/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd"), 400);
    }

    @Test
    void bareLineFeedIs400() throws Exception {
        assertRefused(send("GET /keep/x HTTP/1.1\nHost: a\n\n"), 400);
        assertRefused(send("GET /keep/x HTTP/1.1\r\nHost: a\nX-Smuggled: 1\r\n\r\n"), 400);
    }

    @Test
    void bareCarriageReturnIs400() throws Exception {
        assertRefused(send("GET /keep/x HTTP/1.1\r\nHost: a\r\nX-Test: a\rX-Injected: b\r\n\r\n"), 400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bad Name: x", "X-Nul: a\u0000b", "X-Ctl\u0001: y", "(X-Paren): z", "X-Del: a\u007fb"})
    void invalidHeaderCharactersAre400(String header) throws Exception {
        assertRefused(send("GET /keep/x HTTP/1.1\r\nHost: a\r\n" + header + "\r\n\r\n"), 400);
    }

    @Test
    void duplicateOrBadHostIs400() throws Exception {
        assertRefused(send("GET /keep/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
        assertRefused(send("GET /keep/x HTTP/1.1\r\nHost: a b\r\n\r\n"), 400);
        assertRefused(send("GET /keep/x HTTP/1.1\r\n\r\n"), 400);
    }

    @Test
    void obsoleteLineFoldingIs400() throws Exception {
        assertRefused(send("GET /keep/x HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n"), 400);
    }

    @Test
    void invalidCharactersInTheRequestLineAre400() throws Exception {
        assertRefused(send("GET /keep/a\u0000b HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
        assertRefused(send("GET /keep/a b HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
        assertRefused(send("G\u0001T /keep/x HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    }

    @Test
    void tooManyHeaderFieldsIs400() throws Exception {
        StringBuilder request = new StringBuilder("GET /keep/x HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 21; i++) {
            request.append("X-H").append(i).append(": v\r\n");
        }
        String response = send(request.append("\r\n").toString());
        assertRefused(response, 400);
        assertThat(response).contains("more than 20 header fields");
    }

    @Test
    void oversizedHeadersAre431() throws Exception {
        String response = send("GET /keep/x HTTP/1.1\r\nHost: a\r\nX-Big: " + "a".repeat(5000) + "\r\n\r\n");
        assertRefused(response, 431);
        assertThat(response).contains("\"code\":\"headers_too_large\"");
        // Answered before any filter, yet with a request id made like every other one.
        Matcher id = Pattern.compile("(?i)X-Request-Id: ([0-9a-f-]+)\r\n").matcher(response);
        assertThat(id.find()).isTrue();
        assertThat(id.group(1)).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(response).contains("\"request_id\":\"" + id.group(1) + "\"");
    }

    @Test
    void oversizedRequestLineIs414() throws Exception {
        assertRefused(send("GET /keep/" + "a".repeat(5000) + " HTTP/1.1\r\nHost: a\r\n\r\n"), 414);
    }

    @Test
    void declaredBodyOverTheLimitIs413() throws Exception {
        String response = send("POST /keep/x HTTP/1.1\r\nHost: a\r\nContent-Length: 1025\r\n\r\n");
        assertRefused(response, 413);
        assertThat(response).contains("\"code\":\"payload_too_large\"");
    }

    @Test
    void chunkedBodyGrowingPastTheLimitIs413() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", nexus.gateway().publicPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("POST /keep/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String chunk = "200\r\n" + "x".repeat(0x200) + "\r\n";
            // Three chunks of 512 bytes: over the 1 KiB limit at the third.
            for (int i = 0; i < 3; i++) {
                out.write(chunk.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            String response = new String(socket.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
            assertThat(response).isEqualTo("HTTP/1.1 413");
        }
        // The upstream may have seen the headers of an aborted request, never a complete one.
        assertThat(upstream().pending()).isZero();
    }

    @Test
    void oversizeBodiesAreTheClientsFailureNotTheUpstreams() throws Exception {
        // Past the breaker's minimum of 20 calls: had each counted as an upstream failure, the
        // breaker would open and answer 503 to everyone.
        String upload = "POST /keep/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + "x".repeat(0x800) + "\r\n";
        for (int n = 0; n < 25; n++) {
            assertThat(send(upload)).as("upload %d", n).startsWith("HTTP/1.1 413 ");
        }
        assertThat(upstream().pending()).isZero();
    }

    @Test
    void uploadsAbandonedMidBodyAreTheClientsFailureNotTheUpstreams() throws Exception {
        for (int n = 0; n < 25; n++) {
            try (Socket socket = new Socket("127.0.0.1", nexus.gateway().publicPort())) {
                socket.setSoTimeout(5000);
                OutputStream out = socket.getOutputStream();
                out.write("POST /keep/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                // The body ends early: the gateway answers once the aborted attempt has ended.
                socket.shutdownOutput();
                String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(response).as("upload %d", n).startsWith("HTTP/1.1 ").doesNotStartWith("HTTP/1.1 503");
            }
        }
        assertThat(upstream().pending()).isZero();
    }

    @Test
    void chunkedBodyWithinTheLimitIsProxied() throws Exception {
        String response = send("POST /keep/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200 ");
        assertThat(upstream().takeRequest().bodyText()).isEqualTo("hello");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/keep/%2e%2e/secret", "/keep/%2E%2E/secret", "/keep/.%2e/secret", "/keep%2f..%2fsecret",
        "/keep/a%2fb", "/keep/a%2Fb", "/keep//x", "/../keep/x", "/keep/../../x", "/keep/..;/x", "/keep;p=1/../x", "/keep/%5c..%5csecret",
        "/keep/a\\..\\secret", "/keep/%00", "/keep/%zz", "/keep/%c0%ae%c0%ae/x"})
    void ambiguousPathsAre400(String path) throws Exception {
        String response = send("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(response).matches("(?s)HTTP/1\\.1 4\\d\\d .*");
        assertThat(upstream().pending()).isZero();
    }

    @Test
    void invalidQueryCharactersArePercentEncodedUpstream() throws Exception {
        assertThat(send("GET /keep/x?q=a\\b|c[1]%zz&ok=%41 HTTP/1.1\r\nHost: a\r\n\r\n")).startsWith("HTTP/1.1 200 ");
        assertThat(upstream().takeRequest().query()).isEqualTo("q=a%5Cb%7Cc%5B1%5D%25zz&ok=%41");
    }

    @Test
    void dotSegmentsOutsideThePrefixNeverReachItsUpstream() throws Exception {
        // Resolved to /secret: no route, so nothing goes upstream.
        assertRefused(send("GET /keep/../secret HTTP/1.1\r\nHost: a\r\n\r\n"), 404);
        assertRefused(send("GET /keep/./../secret HTTP/1.1\r\nHost: a\r\n\r\n"), 404);
    }

    @Test
    void dotSegmentsInsideThePrefixAreResolved() throws Exception {
        assertThat(send("GET /keep/a/./b/../c HTTP/1.1\r\nHost: a\r\n\r\n")).startsWith("HTTP/1.1 200 ");
        assertThat(upstream().takeRequest().path()).isEqualTo("/keep/a/c");
    }
}
