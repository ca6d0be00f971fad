package io.nexus.gateway.proxy;

import io.nexus.gateway.config.WebSocketSettings;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied WebSocket: the client's session and the upstream's, each message, ping and pong
 * of one sent to the other, and a close of one sent to the other with its code and reason.
 * Messages are whole (Jetty aggregates the frames, held to the route's
 * {@code websocket-max-message-size}), and a side reads its next frame only when the other
 * has taken the last one: a slow reader slows the writer down instead of filling the heap.
 */
public final class WebSocketBridge implements OpenWebSockets.Socket {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketBridge.class);

    private final String route;
    private final WebSocketSettings settings;
    private final OpenWebSockets sockets;
    private final Leg client = new Leg("client");
    private final Leg upstream = new Leg("upstream");
    // A close of the upstream's that came before the client's side opened, passed on at its opening.
    private int earlyCloseStatus;
    private String earlyCloseReason;

    WebSocketBridge(String route, WebSocketSettings settings, OpenWebSockets sockets) {
        this.route = route;
        this.settings = settings;
        this.sockets = sockets;
    }

    /** The endpoint of the client's side. */
    Session.Listener client() {
        return client;
    }

    /** The endpoint of the upstream's side. */
    Session.Listener upstream() {
        return upstream;
    }

    @Override
    public void goAway() {
        close(client.session, StatusCode.SHUTDOWN, "going away");
        close(upstream.session, StatusCode.SHUTDOWN, "going away");
    }

    /** The client's side never opened (its upgrade failed): the upstream's goes too. */
    void abandon() {
        close(upstream.session, StatusCode.SHUTDOWN, "client upgrade failed");
    }

    private static void close(Session session, int status, String reason) {
        if (session != null && session.isOpen()) {
            session.close(status, reason, Callback.NOOP);
        }
    }

    /**
     * The code a close received from one side goes to the other with. Codes that never travel
     * in a frame (RFC 6455 §7.4.1) stand for what happened: 1005 (no code) goes as an empty
     * close frame, a connection lost without a close (1006) as 1014 from the upstream (bad
     * gateway) or 1001 from the client (going away).
     */
    private static int forwardable(int status, boolean fromUpstream) {
        // Jetty's StatusCode.isTransmittable leaves out the registered 1014 and the 3000-4999
        // codes of frameworks and applications, which a proxy must pass on.
        boolean sendable = status >= 1000 && status <= 1003 || status >= 1007 && status <= 1014 || status >= 3000 && status <= 4999;
        if (status == StatusCode.NO_CODE || sendable) {
            return status;
        }
        return fromUpstream ? StatusCode.INVALID_UPSTREAM_RESPONSE : StatusCode.SHUTDOWN;
    }

    /**
     * One side: what it receives goes to the other side's session. Public, as Jetty binds the
     * listener methods of an endpoint through a public lookup.
     */
    public final class Leg implements Session.Listener {

        private final String name;
        private volatile Session session;

        private Leg(String name) {
            this.name = name;
        }

        private Leg peer() {
            return this == client ? upstream : client;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            // Every message passes both legs, so both idle out together; the client's leg goes first
            // and closes the upstream's with 1001. Jetty's own idle close of the upstream's leg
            // (a client session) may drop the connection without a close frame, which the upstream
            // would see as 1006; its longer timeout is only a backstop.
            session.setIdleTimeout(this == client ? settings.idleTimeout() : settings.idleTimeout().multipliedBy(2));
            session.setMaxTextMessageSize(settings.maxMessageSize());
            session.setMaxBinaryMessageSize(settings.maxMessageSize());
            // A frame of any size up to a message: Jetty would otherwise refuse frames over 64 KiB.
            session.setMaxFrameSize(settings.maxMessageSize());
            this.session = session;
            if (this != client) {
                // The upstream's side reads once the client's is there to take what it reads.
                return;
            }
            sockets.opened(route, WebSocketBridge.this);
            int pendingStatus;
            String pendingReason;
            synchronized (WebSocketBridge.this) {
                pendingStatus = earlyCloseStatus;
                pendingReason = earlyCloseReason;
            }
            if (pendingStatus != 0) {
                session.close(forwardable(pendingStatus, true), pendingReason, Callback.NOOP);
                return;
            }
            session.demand();
            upstream.session.demand();
        }

        @Override
        public void onWebSocketText(String text) {
            peer().session.sendText(text, Callback.from(session::demand, failure()));
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
            // The payload is Jetty's buffer until the callback completes: it goes out first.
            peer().session.sendBinary(payload, Callback.from(() -> {
                callback.succeed();
                session.demand();
            }, failure -> {
                callback.fail(failure);
                failed(failure);
            }));
        }

        @Override
        public void onWebSocketPing(ByteBuffer payload) {
            // Passed through, not answered here: the pong the client gets is the upstream's.
            peer().session.sendPing(payload, Callback.from(session::demand, failure()));
        }

        @Override
        public void onWebSocketPong(ByteBuffer payload) {
            peer().session.sendPong(payload, Callback.from(session::demand, failure()));
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            LOG.debug("WebSocket on route {}: the {} side failed", route, name, cause);
        }

        @Override
        public void onWebSocketClose(int status, String reason) {
            Session other = peer().session;
            if (this == upstream && other == null) {
                synchronized (WebSocketBridge.this) {
                    earlyCloseStatus = status;
                    earlyCloseReason = reason;
                }
                other = client.session;
            }
            if (other != null && other.isOpen()) {
                other.close(forwardable(status, this == upstream), reason, Callback.NOOP);
            }
            if (this == client) {
                sockets.closed(route, WebSocketBridge.this);
            }
        }

        private Consumer<Throwable> failure() {
            return this::failed;
        }

        /** A message could not go to the other side (it is closing or gone): this side closes too. */
        private void failed(Throwable failure) {
            LOG.debug("WebSocket on route {}: could not pass on what the {} side sent", route, name, failure);
            close(session, StatusCode.SERVER_ERROR, "could not pass the message on");
        }
    }
}
