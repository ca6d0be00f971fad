package io.nexus.gateway.war;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.WebSocketEchoUpstream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * WebSocket proxying in a stock Jetty base with the {@code ee10-websocket-jetty} and
 * {@code ee10-websocket-jetty-client-webapp} modules (docs/protocols.md): the container's own
 * WebSocket server upgrades the client, its client reaches a Jetty WebSocket echo upstream.
 */
@Timeout(60)
class WarWebSocketIT {

    private static WebSocketEchoUpstream echo;

    @RegisterExtension
    static final WarDeployment nexus = WarDeployment.inStockBase(upstream -> """
            nexus {
              upstreams { echo { targets = ["%s"] } }
              routes = [{ name = "ws", path = "/ws", upstream = "echo", websocket = true }]
            }
            """.formatted(startEcho()))
        .customizedBy(base -> base.addModules("ee10-websocket-jetty", "ee10-websocket-jetty-client-webapp"));

    private static String startEcho() {
        try {
            echo = WebSocketEchoUpstream.start();
            return echo.url();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stopEcho() throws Exception {
        echo.close();
    }

    @Test
    void messagesAndClosesPassThroughTheWar() throws Exception {
        WebSocketClient client = new WebSocketClient();
        client.start();
        try {
            Peer peer = new Peer();
            Session session = client.connect(peer, URI.create("ws://" + nexus.authority() + "/ws/war")).get(10, TimeUnit.SECONDS);
            assertThat(echo.takeHandshake("/ws/war").get("X-Request-Id")).isNotBlank();
            session.sendText("through the war", Callback.NOOP);
            assertThat(peer.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("through the war");
            session.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), Callback.NOOP);
            assertThat(peer.messages.poll(10, TimeUnit.SECONDS)).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            session.close(4100, "done", Callback.NOOP);
            assertThat(echo.takeClose("/ws/war")).isEqualTo("4100 done");
            assertThat(peer.closed.get(10, TimeUnit.SECONDS)).startsWith("4100");
        } finally {
            client.stop();
        }
    }

    /** The client's side. Public: Jetty binds an endpoint's listener methods through a public lookup. */
    public static final class Peer implements Session.Listener.AutoDemanding {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();

        @Override
        public void onWebSocketText(String text) {
            messages.add(text);
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            ByteBuffer copy = ByteBuffer.allocate(payload.remaining());
            copy.put(payload).flip();
            messages.add(copy);
            callback.succeed();
        }

        @Override
        public void onWebSocketClose(int status, String reason) {
            closed.complete(status + " " + reason);
        }
    }
}
