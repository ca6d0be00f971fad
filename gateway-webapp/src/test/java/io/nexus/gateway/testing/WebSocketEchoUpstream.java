package io.nexus.gateway.testing;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A real WebSocket upstream on {@code 127.0.0.1} and an ephemeral port (Jetty's own WebSocket
 * server) that echoes every text and binary message and answers pings with pongs carrying the
 * ping's payload. Text commands: {@code close:CODE:REASON} closes with that code and reason,
 * {@code die} drops the connection without a close frame. It records each handshake's headers
 * by path ({@link #takeHandshake}) and each close it received ({@link #takeClose}, "CODE REASON").
 * It accepts the subprotocol {@code echo.v1} when offered.
 */
public final class WebSocketEchoUpstream implements AutoCloseable {

    private final Server server;
    private final ServerConnector connector;
    private final Map<String, BlockingQueue<HttpFields>> handshakes = new ConcurrentHashMap<>();
    private final Map<String, BlockingQueue<String>> closes = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();

    private WebSocketEchoUpstream() {
        QueuedThreadPool threads = new QueuedThreadPool(64);
        threads.setName("ws-upstream");
        server = new Server(threads);
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(64L * 1024 * 1024);
            container.setMaxBinaryMessageSize(64L * 1024 * 1024);
            container.setMaxFrameSize(64L * 1024 * 1024);
            // Longer than any test or benchmark keeps a socket idle (Jetty's default is 30 s).
            container.setIdleTimeout(Duration.ofMinutes(10));
            container.addMapping("/*", (request, response, callback) -> {
                if (request.getSubProtocols().contains("echo.v1")) {
                    response.setAcceptedSubProtocol("echo.v1");
                }
                String path = request.getHttpURI().getPath();
                handshakes(path).add(request.getHeaders().asImmutable());
                return new Echo(path);
            });
        }));
    }

    public static WebSocketEchoUpstream start() throws Exception {
        WebSocketEchoUpstream upstream = new WebSocketEchoUpstream();
        upstream.server.start();
        return upstream;
    }

    /** {@code http://127.0.0.1:PORT}, as the gateway's targets are written. */
    public String url() {
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    private BlockingQueue<HttpFields> handshakes(String path) {
        return handshakes.computeIfAbsent(path, p -> new LinkedBlockingQueue<>());
    }

    private BlockingQueue<String> closes(String path) {
        return closes.computeIfAbsent(path, p -> new LinkedBlockingQueue<>());
    }

    /** The headers of the next handshake for {@code path} that reached the upstream, waiting up to 5 s. */
    public HttpFields takeHandshake(String path) throws InterruptedException {
        return handshakes(path).poll(5, TimeUnit.SECONDS);
    }

    /** Handshakes for {@code path} not taken yet. */
    public int handshakesWaiting(String path) {
        return handshakes(path).size();
    }

    /** "CODE REASON" of the next close the upstream's side of a {@code path} socket saw, waiting up to 5 s. */
    public String takeClose(String path) throws InterruptedException {
        return closes(path).poll(5, TimeUnit.SECONDS);
    }

    /** Sockets open on the upstream's side. */
    public int open() {
        return open.get();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** Public: Jetty binds an endpoint's listener methods through a public lookup. */
    public final class Echo implements Session.Listener.AutoDemanding {

        private final String path;
        private Session session;

        Echo(String path) {
            this.path = path;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
            open.incrementAndGet();
        }

        @Override
        public void onWebSocketText(String text) {
            if (text.startsWith("close:")) {
                String[] parts = text.split(":", 3);
                session.close(Integer.parseInt(parts[1]), parts[2], Callback.NOOP);
            } else if (text.equals("die")) {
                session.disconnect();
            } else {
                session.sendText(text, Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            session.sendBinary(payload, callback);
        }

        @Override
        public void onWebSocketPing(ByteBuffer payload) {
            session.sendPong(payload, Callback.NOOP);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            // A connection the gateway dropped: its close is recorded below.
        }

        @Override
        public void onWebSocketClose(int status, String reason) {
            open.decrementAndGet();
            closes(path).add(status + " " + reason);
        }
    }
}
