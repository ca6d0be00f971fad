package io.nexus.benchmarks;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * bench/websocket.sh's load client, on Jetty's WebSocket client.
 * <ul>
 *   <li>{@code rtt URI SOCKETS WARMUP_S SECONDS}: each socket sends a 64-byte text and sends the
 *   next when its echo is back (closed loop); prints {@code ROUND_TRIPS_PER_SECOND n} counted
 *   over SECONDS after WARMUP_S;</li>
 *   <li>{@code hold URI SOCKETS SECONDS}: opens SOCKETS sockets (100 handshakes at a time), each
 *   sending one text when it opens and waiting for its echo, prints {@code OPEN n}, keeps them open SECONDS, then closes them.</li>
 * </ul>
 */
public final class WebSocketLoad {

    private static final String PAYLOAD = "x".repeat(64);

    private WebSocketLoad() {
    }

    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[1]);
        int sockets = Integer.parseInt(args[2]);
        WebSocketClient client = new WebSocketClient();
        client.setIdleTimeout(Duration.ofMinutes(10));
        client.start();
        try {
            if (args[0].equals("rtt")) {
                roundTrips(client, uri, sockets, Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            } else {
                hold(client, uri, sockets, Integer.parseInt(args[3]));
            }
        } finally {
            client.stop();
        }
    }

    private static void roundTrips(WebSocketClient client, URI uri, int sockets, int warmup, int seconds) throws Exception {
        LongAdder echoes = new LongAdder();
        List<Session> open = new ArrayList<>();
        for (int i = 0; i < sockets; i++) {
            open.add(client.connect(new Looping(echoes), uri).get(10, TimeUnit.SECONDS));
        }
        for (Session session : open) {
            session.sendText(PAYLOAD, Callback.NOOP);
        }
        Thread.sleep(warmup * 1000L);
        long before = echoes.sum();
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long counted = echoes.sum() - before;
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf("ROUND_TRIPS_PER_SECOND %.0f%n", counted / elapsed);
        for (Session session : open) {
            session.close();
        }
    }

    private static void hold(WebSocketClient client, URI uri, int sockets, int seconds) throws Exception {
        Semaphore handshakes = new Semaphore(100);
        List<CompletableFuture<Session>> opening = new ArrayList<>();
        List<CompletableFuture<String>> echoed = new ArrayList<>();
        for (int i = 0; i < sockets; i++) {
            handshakes.acquire();
            Once once = new Once();
            echoed.add(once.echo);
            CompletableFuture<Session> session = client.connect(once, uri);
            session.whenComplete((s, failure) -> handshakes.release());
            opening.add(session);
        }
        int open = 0;
        for (int i = 0; i < sockets; i++) {
            try {
                opening.get(i).get(30, TimeUnit.SECONDS);
                echoed.get(i).get(30, TimeUnit.SECONDS);
                open++;
            } catch (Exception e) {
                System.err.println("socket " + i + ": " + e);
            }
        }
        System.out.println("OPEN " + open);
        System.out.flush();
        Thread.sleep(seconds * 1000L);
        for (CompletableFuture<Session> session : opening) {
            if (session.isDone() && !session.isCompletedExceptionally()) {
                session.get().close();
            }
        }
    }

    /** Sends the next text as soon as the echo of the last is back. Public: Jetty binds endpoints through a public lookup. */
    public static final class Looping implements Session.Listener.AutoDemanding {
        private final LongAdder echoes;
        private Session session;

        Looping(LongAdder echoes) {
            this.echoes = echoes;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
        }

        @Override
        public void onWebSocketText(String text) {
            echoes.increment();
            session.sendText(PAYLOAD, Callback.NOOP);
        }
    }

    /** Sends one text as soon as it is open; completes with its echo. */
    public static final class Once implements Session.Listener.AutoDemanding {
        final CompletableFuture<String> echo = new CompletableFuture<>();

        @Override
        public void onWebSocketOpen(Session session) {
            session.sendText(PAYLOAD, Callback.NOOP);
        }

        @Override
        public void onWebSocketText(String text) {
            echo.complete(text);
        }

        @Override
        public void onWebSocketClose(int status, String reason) {
            echo.completeExceptionally(new IllegalStateException("closed " + status + " " + reason));
        }
    }
}
