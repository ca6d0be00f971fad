package io.nexus.gateway.snapshot;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The snapshot that takes new requests, behind one atomic reference: read lock-free by every
 * request, replaced whole by a reload.
 */
public final class CurrentSnapshot {

    private final AtomicReference<GatewaySnapshot> current;

    public CurrentSnapshot(GatewaySnapshot first) {
        this.current = new AtomicReference<>(first);
    }

    /** The current snapshot, for reading; requests use {@link #acquire()}. */
    public GatewaySnapshot get() {
        return current.get();
    }

    /**
     * The current snapshot, counted in until {@link GatewaySnapshot#release()}. Lock-free: one
     * striped increment, and a retry only in the instant a reload retires the snapshot read.
     */
    public GatewaySnapshot acquire() {
        while (true) {
            GatewaySnapshot snapshot = current.get();
            if (snapshot.tryAcquire()) {
                return snapshot;
            }
        }
    }

    /** Makes {@code next} current; the caller retires the returned previous one. */
    public GatewaySnapshot replace(GatewaySnapshot next) {
        return current.getAndSet(next);
    }
}
