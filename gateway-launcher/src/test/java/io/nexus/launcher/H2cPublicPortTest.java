package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * h2c on the public port (docs/protocols.md): HTTP/2 by prior knowledge next to HTTP/1.1 on the
 * same port, {@code Upgrade: h2c} never honoured, and {@code server.http2-cleartext = false}
 * leaving the port HTTP/1.1 only.
 */
class H2cPublicPortTest {

    private static final String ROUTES = """
        nexus {
          %s
          upstreams { up { targets = [${upstreams.up}] } }
          routes = [{ name = "up", path = "/", upstream = "up" }]
        }
        """;

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config(ROUTES.formatted(""))
        .build();

    private static ContentResponse priorKnowledge(int port, String path) throws Exception {
        HttpClient h2c = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        h2c.start();
        try {
            return h2c.newRequest("http://127.0.0.1:" + port + path).timeout(10, TimeUnit.SECONDS).send();
        } finally {
            h2c.stop();
        }
    }

    /** The upstream's next request for {@code path}; the class's other tests leave requests of their own. */
    private static RecordingUpstream.Recorded taken(String path) throws InterruptedException {
        for (int i = 0; i < 10; i++) {
            RecordingUpstream.Recorded request = nexus.upstream("up").takeRequest();
            if (request.path().equals(path)) {
                return request;
            }
        }
        throw new AssertionError("the upstream never saw " + path);
    }

    @Test
    void priorKnowledgeHttp2AndHttp1ShareThePublicPort() throws Exception {
        ContentResponse h2 = priorKnowledge(nexus.gateway().publicPort(), "/over-h2c");
        assertThat(h2.getVersion()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(h2.getStatus()).isEqualTo(200);
        assertThat(taken("/over-h2c").path()).isEqualTo("/over-h2c");

        ContentResponse http1 = nexus.get("/over-http1");
        assertThat(http1.getVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(http1.getStatus()).isEqualTo(200);
        assertThat(taken("/over-http1").path()).isEqualTo("/over-http1");
    }

    @Test
    void upgradeToH2cIsNotHonoured() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", nexus.gateway().publicPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /upgrade HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAMAAABkAAQAAP__\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
            // An ordinary HTTP/1.1 answer from the upstream, not 101 Switching Protocols.
            assertThat(head).isEqualTo("HTTP/1.1 200");
        }
        RecordingUpstream.Recorded seen = taken("/upgrade");
        assertThat(seen.headers().get("Upgrade")).isNull();
        assertThat(seen.headers().get("HTTP2-Settings")).isNull();
    }

    @Test
    void withHttp2CleartextOffThePortSpeaksHttp1Only() throws Exception {
        TestGateway gateway = nexus.startGateway(ROUTES.formatted("server.http2-cleartext = false"));
        try (Socket socket = new Socket("127.0.0.1", gateway.publicPort())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            // Jetty's answer to a preface it cannot take: an HTTP/1.1 error, and the connection closed.
            assertThat(answer).startsWith("HTTP/1.1 4");
        }
        assertThat(gateway.get("/still-http1").getStatus()).isEqualTo(200);
    }
}
