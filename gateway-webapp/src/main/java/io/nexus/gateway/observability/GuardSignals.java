package io.nexus.gateway.observability;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The config guard's signals: one {@link GuardSignal} for the whole gateway and one per route
 * that served while recording is on. Off (the default, {@code config.guard.enabled = false}),
 * recording is one volatile read per request.
 */
public final class GuardSignals {

    private volatile GuardSignal gateway = new GuardSignal();
    private final Map<String, GuardSignal> routes = new ConcurrentHashMap<>();
    private volatile boolean recording;

    /**
     * Counts a completed request. Requests the client ended (499) are not the gateway's or the
     * upstream's doing and are left out; so are those no route matched, but for the total.
     */
    void record(String route, int status, long durationNanos) {
        if (!recording || status == 499) {
            return;
        }
        gateway.record(status, durationNanos);
        if (route.equals(GatewayMetrics.UNMATCHED)) {
            return;
        }
        GuardSignal signal = routes.get(route);
        if (signal == null) {
            signal = routes.computeIfAbsent(route, r -> new GuardSignal());
        }
        signal.record(status, durationNanos);
    }

    /** Turns recording on or off; off forgets what was recorded. */
    public void recording(boolean on) {
        if (!on && recording) {
            routes.clear();
            gateway = new GuardSignal();
        }
        recording = on;
    }

    public boolean recording() {
        return recording;
    }

    public GuardSignal gateway() {
        return gateway;
    }

    /** The route's signal, made when missing (a route added by the change under watch has none yet). */
    public GuardSignal route(String name) {
        return routes.computeIfAbsent(name, r -> new GuardSignal());
    }

    public Optional<GuardSignal> existingRoute(String name) {
        return Optional.ofNullable(routes.get(name));
    }

    /** Starts the next tumbling window of every signal. */
    public void rotate() {
        gateway.rotate();
        routes.values().forEach(GuardSignal::rotate);
    }

    /** Drops the signal of a route that no config version has any more. */
    void forget(String route) {
        routes.remove(route);
    }
}
