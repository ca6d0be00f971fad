package io.nexus.launcher;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * A WebSocket client's side in tests, on Jetty's {@link WebSocketClient}: what it receives
 * queued ({@link #take()}: a {@code String} or a {@code ByteBuffer}), its pongs, and the close
 * it saw as "CODE REASON". Public: Jetty binds an endpoint's listener methods through a public lookup.
 */
public final class WebSocketPeer implements Session.Listener.AutoDemanding {

    private final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    private final BlockingQueue<ByteBuffer> pongs = new LinkedBlockingQueue<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private volatile Session session;

    /** Connects through {@code uri} (ws://), waiting up to 10 s for the 101. */
    static WebSocketPeer connect(WebSocketClient client, URI uri, ClientUpgradeRequest request) throws Exception {
        WebSocketPeer peer = new WebSocketPeer();
        client.connect(peer, uri, request).get(10, TimeUnit.SECONDS);
        return peer;
    }

    static WebSocketPeer connect(WebSocketClient client, URI uri) throws Exception {
        return connect(client, uri, new ClientUpgradeRequest());
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
    }

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
    public void onWebSocketPong(ByteBuffer payload) {
        pongs.add(payload);
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        // A refused upgrade or a dropped connection: the test reads it from connect() or the close.
    }

    @Override
    public void onWebSocketClose(int status, String reason) {
        closed.complete(status + " " + reason);
    }

    Session session() {
        return session;
    }

    /** The next message, waiting up to 10 s; {@code null} when none came. */
    Object take() throws InterruptedException {
        return messages.poll(10, TimeUnit.SECONDS);
    }

    ByteBuffer takePong() throws InterruptedException {
        return pongs.poll(10, TimeUnit.SECONDS);
    }

    /** Sends a text and waits until it is written. */
    void send(String text) throws Exception {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        session.sendText(text, Callback.from(() -> sent.complete(null), sent::completeExceptionally));
        sent.get(10, TimeUnit.SECONDS);
    }

    void send(ByteBuffer bytes) throws Exception {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        session.sendBinary(bytes, Callback.from(() -> sent.complete(null), sent::completeExceptionally));
        sent.get(10, TimeUnit.SECONDS);
    }

    /** "CODE REASON" of the close this side saw, waiting up to {@code seconds}. */
    String awaitClose(long seconds) throws Exception {
        return closed.get(seconds, TimeUnit.SECONDS);
    }

    boolean isClosed() {
        return closed.isDone();
    }
}
