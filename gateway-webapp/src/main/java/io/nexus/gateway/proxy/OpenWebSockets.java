package io.nexus.gateway.proxy;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The WebSocket connections the gateway proxies, counted per route for
 * {@code nexus_websocket_connections}, and closed with 1001 (going away) at the end of a drain.
 * Holds no Jetty WebSocket types, so that the gateway runs in a Jetty base without WebSocket
 * support.
 */
public final class OpenWebSockets {

    /** One proxied connection. */
    interface Socket {
        /** Closes both sides with 1001 (going away). */
        void goAway();
    }

    private final Map<String, AtomicInteger> perRoute = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean goingAway;

    void opened(String route, Socket socket) {
        perRoute.computeIfAbsent(route, name -> new AtomicInteger()).incrementAndGet();
        open.add(socket);
        // A socket opened while the drain ended (its upgrade was under way) goes at once.
        if (goingAway) {
            socket.goAway();
        }
    }

    void closed(String route, Socket socket) {
        if (open.remove(socket)) {
            perRoute.get(route).decrementAndGet();
        }
        if (goingAway) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Open connections per route name; a route keeps its entry (at 0) once it had one. */
    public Map<String, Integer> counts() {
        Map<String, Integer> counts = new TreeMap<>();
        perRoute.forEach((route, count) -> counts.put(route, count.get()));
        return counts;
    }

    public int size() {
        return open.size();
    }

    /**
     * Sends every open connection (and any opened from now on) a close frame 1001 on both sides,
     * then waits up to {@code wait} for their closing handshakes.
     *
     * @return how many were still open when the wait ended
     */
    public int goAway(Duration wait) throws InterruptedException {
        goingAway = true;
        for (Socket socket : open) {
            socket.goAway();
        }
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (this) {
            long left;
            while (!open.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
                wait(Math.max(1, left / 1_000_000));
            }
        }
        return open.size();
    }
}
