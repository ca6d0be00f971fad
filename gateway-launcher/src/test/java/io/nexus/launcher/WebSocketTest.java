package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.testing.WebSocketEchoUpstream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** WebSocket proxying end to end: Jetty's WebSocket client, the gateway, Jetty's WebSocket echo upstream. */
class WebSocketTest {

    private static final String API_KEY = "ws-secret-key";

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .webSocketUpstream("echo")
        .refusingUpstream("gone")
        .config(() -> config(""))
        .build();

    private static WebSocketClient client;

    static String config(String extraUpstream) throws Exception {
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(API_KEY.getBytes(StandardCharsets.UTF_8)));
        return """
            nexus {
              server { idle-timeout = 1s }
              upstreams { echo { targets = [${upstreams.echo}] %s }, gone { targets = [${upstreams.gone}] } }
              auth { keys { type = api-key, header = "X-API-Key", keys = [{ id = "acme", sha256 = "%s" }] } }
              routes = [
                { name = "ws", path = "/ws", upstream = "echo", websocket = true }
                { name = "many", path = "/many", upstream = "echo", websocket = true }
                { name = "dying", path = "/dying", upstream = "echo", websocket = true }
                { name = "plain", path = "/plain", upstream = "echo" }
                { name = "gone", path = "/gone", upstream = "gone", websocket = true }
                { name = "secure", path = "/secure", upstream = "echo", websocket = true, auth = "keys" }
                { name = "idle", path = "/idle", upstream = "echo", websocket = true, websocket-idle-timeout = 1s }
                { name = "small", path = "/small", upstream = "echo", websocket = true, websocket-max-message-size = 1k }
              ]
            }
            """.formatted(extraUpstream, sha);
    }

    @BeforeAll
    static void startClient() throws Exception {
        client = new WebSocketClient();
        client.setMaxTextMessageSize(8L * 1024 * 1024);
        client.setMaxBinaryMessageSize(8L * 1024 * 1024);
        client.setMaxFrameSize(8L * 1024 * 1024);
        client.start();
    }

    @AfterAll
    static void stopClient() throws Exception {
        client.stop();
    }

    private static URI uri(String path) {
        return URI.create("ws://127.0.0.1:" + nexus.gateway().publicPort() + path);
    }

    private static WebSocketEchoUpstream echo() {
        return nexus.webSocket("echo");
    }

    @Test
    void textAndBinaryMessagesFlowBothWaysWithTheGatewaysHandshakeHeaders() throws Exception {
        ClientUpgradeRequest request = new ClientUpgradeRequest();
        request.setSubProtocols("echo.v1");
        request.setHeader("X-Client", "kept");
        WebSocketPeer peer = WebSocketPeer.connect(client, uri("/ws/chat?room=1"), request);
        HttpFields handshake = echo().takeHandshake("/ws/chat");
        assertThat(handshake.get("X-Request-Id")).isNotBlank();
        assertThat(handshake.get("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(handshake.get("Forwarded")).isEqualTo("for=127.0.0.1;host=\"127.0.0.1:" + nexus.gateway().publicPort() + "\";proto=http");
        assertThat(handshake.getValuesList("X-Client")).containsExactly("kept");
        assertThat(peer.session().getUpgradeResponse().getAcceptedSubProtocol()).isEqualTo("echo.v1");
        assertThat(peer.session().getUpgradeResponse().getHeader("X-Request-Id")).isNotBlank();

        peer.send("hello");
        assertThat(peer.take()).isEqualTo("hello");
        peer.send(ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 255}));
        assertThat(peer.take()).isEqualTo(ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 255}));
        peer.session().close();
        assertThat(peer.awaitClose(5)).startsWith("1000");
        assertThat(echo().takeClose("/ws/chat")).startsWith("1000");
    }

    @Test
    void aOneMebibyteMessagePassesUnderTheDefaultLimit() throws Exception {
        WebSocketPeer peer = WebSocketPeer.connect(client, uri("/ws"));
        byte[] bytes = new byte[1024 * 1024];
        new Random(7).nextBytes(bytes);
        peer.send(ByteBuffer.wrap(bytes));
        assertThat(((ByteBuffer) peer.take()).array()).isEqualTo(bytes);
        char[] chars = new char[1024 * 1024];
        Arrays.fill(chars, 'x');
        String text = new String(chars);
        peer.send(text);
        assertThat(peer.take()).isEqualTo(text);
        peer.session().close();
        peer.awaitClose(5);
    }

    @Test
    void aPingReachesTheUpstreamAndItsPongComesBack() throws Exception {
        WebSocketPeer peer = WebSocketPeer.connect(client, uri("/ws"));
        peer.session().sendPing(ByteBuffer.wrap("are-you-there".getBytes(StandardCharsets.UTF_8)), Callback.NOOP);
        assertThat(StandardCharsets.UTF_8.decode(peer.takePong()).toString()).isEqualTo("are-you-there");
        peer.session().close();
        peer.awaitClose(5);
    }

    @Test
    void closeCodesAndReasonsPassBothWays() throws Exception {
        WebSocketPeer fromClient = WebSocketPeer.connect(client, uri("/ws/closing"));
        fromClient.session().close(4001, "client says bye", Callback.NOOP);
        assertThat(echo().takeClose("/ws/closing")).isEqualTo("4001 client says bye");
        assertThat(fromClient.awaitClose(5)).startsWith("4001");

        WebSocketPeer fromUpstream = WebSocketPeer.connect(client, uri("/ws"));
        fromUpstream.send("close:4002:upstream says bye");
        assertThat(fromUpstream.awaitClose(5)).isEqualTo("4002 upstream says bye");
    }

    @Test
    void twoHundredConcurrentSocketsEachGetTheirOwnEchoAndTheGaugeCountsThem() throws Exception {
        List<WebSocketPeer> peers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            peers.add(WebSocketPeer.connect(client, uri("/many")));
        }
        nexus.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_websocket_connections{route=\"many\"} 200.0"));
        for (int i = 0; i < peers.size(); i++) {
            peers.get(i).session().sendText("socket " + i, Callback.NOOP);
        }
        for (int i = 0; i < peers.size(); i++) {
            assertThat(peers.get(i).take()).isEqualTo("socket " + i);
        }
        for (WebSocketPeer peer : peers) {
            peer.session().close();
        }
        nexus.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_websocket_connections{route=\"many\"} 0.0"));
    }

    @Test
    void openSocketsStayOpenAcrossAReloadThatReplacesTheirUpstream() throws Exception {
        WebSocketPeer peer = WebSocketPeer.connect(client, uri("/ws"));
        peer.send("before");
        assertThat(peer.take()).isEqualTo("before");
        // A changed upstream is built anew and the old one closes when its snapshot retires.
        nexus.gateway().apply(nexus.configText(config(", connect-timeout = 3s")));
        try {
            peer.send("after");
            assertThat(peer.take()).isEqualTo("after");
            assertThat(peer.isClosed()).isFalse();
        } finally {
            nexus.gateway().apply(nexus.configText(config("")));
        }
        peer.send("after the second reload");
        assertThat(peer.take()).isEqualTo("after the second reload");
        peer.session().close();
        peer.awaitClose(5);
    }

    @Test
    void aRouteWithoutTheFlagRefusesTheUpgrade() throws Exception {
        assertThatThrownBy(() -> WebSocketPeer.connect(client, uri("/plain")))
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(UpgradeException.class);
        // Upgrade is hop-by-hop there: the upstream saw a plain GET, never a handshake.
        assertThat(echo().handshakesWaiting("/plain")).isZero();
    }

    @Test
    void anUnreachableUpstreamAnswersTheHandshakeWith502() throws Exception {
        ContentResponse response = nexus.request("/gone/x").headers(headers -> headers
            .put("Connection", "Upgrade").put("Upgrade", "websocket").put("Sec-WebSocket-Version", "13")
            .put("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")).send();
        assertThat(response.getStatus()).isEqualTo(502);
        assertThat(response.getContentAsString()).contains("\"cause\":\"connect_refused\"");
    }

    @Test
    void authRunsOnTheHandshake() throws Exception {
        assertThatThrownBy(() -> WebSocketPeer.connect(client, uri("/secure")))
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(UpgradeException.class)
            .satisfies(failure -> assertThat(failure).hasMessageContaining("401 Unauthorized"));

        ClientUpgradeRequest request = new ClientUpgradeRequest();
        request.setHeader("X-API-Key", API_KEY);
        WebSocketPeer peer = WebSocketPeer.connect(client, uri("/secure"), request);
        assertThat(echo().handshakesWaiting("/secure")).isEqualTo(1);
        HttpFields seen = echo().takeHandshake("/secure");
        assertThat(seen.get("X-Auth-Key-Id")).isEqualTo("acme");
        // The credential stays at the gateway.
        assertThat(seen.get("X-API-Key")).isNull();
        peer.send("authenticated");
        assertThat(peer.take()).isEqualTo("authenticated");
        peer.session().close();
        peer.awaitClose(5);
    }

    @Test
    void anIdleSocketIsClosedAtTheRoutesIdleTimeout() throws Exception {
        WebSocketPeer peer = WebSocketPeer.connect(client, uri("/idle"));
        long start = System.nanoTime();
        assertThat(peer.awaitClose(10)).startsWith("1001");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(5));
        assertThat(echo().takeClose("/idle")).startsWith("1001");
    }

    @Test
    void aSocketOutlivesTheConnectorsIdleTimeoutUpToItsRoutes() throws Exception {
        // server.idle-timeout (1s here) bounds kept-alive HTTP connections, not proxied sockets.
        WebSocketPeer peer = WebSocketPeer.connect(client, uri("/ws"));
        // Open the whole time, well past the connector's 1 s.
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5)).until(() -> !peer.isClosed());
        peer.send("still open");
        assertThat(peer.take()).isEqualTo("still open");
        peer.session().close();
        peer.awaitClose(5);
    }

    @Test
    void aMessageOverTheLimitClosesTheSocketWith1009() throws Exception {
        WebSocketPeer peer = WebSocketPeer.connect(client, uri("/small"));
        peer.send("x".repeat(1024));
        assertThat(peer.take()).isEqualTo("x".repeat(1024));
        peer.session().sendText("x".repeat(1025), Callback.NOOP);
        assertThat(peer.awaitClose(5)).startsWith("1009");
        assertThat(echo().takeClose("/small")).startsWith("1009");
    }

    @Test
    void anUpstreamThatDiesClosesTheClientWith1014AndTheGatewayStaysUp() throws Exception {
        WebSocketPeer peer = WebSocketPeer.connect(client, uri("/dying"));
        nexus.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_websocket_connections{route=\"dying\"} 1.0"));
        peer.send("die");
        assertThat(peer.awaitClose(10)).startsWith("1014");
        nexus.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_websocket_connections{route=\"dying\"} 0.0"));

        WebSocketPeer next = WebSocketPeer.connect(client, uri("/dying"));
        next.send("still here");
        assertThat(next.take()).isEqualTo("still here");
        next.session().close();
        next.awaitClose(5);
    }
}
