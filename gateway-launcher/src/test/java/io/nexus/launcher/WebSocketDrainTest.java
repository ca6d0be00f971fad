package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A drain ends open WebSockets with a close frame 1001 on both sides, not a reset. */
class WebSocketDrainTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .webSocketUpstream("echo")
        .config("""
            nexus {
              server { shutdown { drain-delay = 300ms, timeout = 5s } }
              upstreams { echo { targets = [${upstreams.echo}] } }
              routes = [{ name = "ws", path = "/ws", upstream = "echo", websocket = true }]
            }
            """)
        .perMethod()
        .build();

    @Test
    void theEndOfTheDrainSendsGoingAwayToBothSides() throws Exception {
        WebSocketClient client = new WebSocketClient();
        client.start();
        try {
            URI uri = URI.create("ws://127.0.0.1:" + nexus.gateway().publicPort() + "/ws/live");
            WebSocketPeer peer = WebSocketPeer.connect(client, uri);
            peer.send("before the drain");
            assertThat(peer.take()).isEqualTo("before the drain");

            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
                try {
                    return nexus.gateway().embedded().drainAndStop();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            // Open through the drain delay, then the gateway's own close frame at its end (not the
            // 1006 of a dropped connection, nor Jetty's close when the container stops, seconds later).
            assertThat(peer.awaitClose(10)).isEqualTo("1001 going away");
            assertThat(nexus.webSocket("echo").takeClose("/ws/live")).isEqualTo("1001 going away");
            assertThat(drained.get(3, TimeUnit.SECONDS)).isTrue();
        } finally {
            client.stop();
        }
    }
}
