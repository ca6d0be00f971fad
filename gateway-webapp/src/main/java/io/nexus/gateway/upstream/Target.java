package io.nexus.gateway.upstream;

import io.nexus.gateway.observability.UpstreamView;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One server of an upstream. It is healthy when active health checking says so and it is not
 * ejected by passive checking. Both flags are written by health checking and read by every
 * pick, so they are volatile: a pick sees a change at once and never needs a lock.
 */
public final class Target implements UpstreamView.TargetView {

    private final URI url;
    private final String base;
    private final int weight;
    private volatile boolean activeHealthy = true;
    // 0 when not ejected, else the System.nanoTime() at which the ejection ends.
    private volatile long ejectedUntil;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicInteger inflight = new AtomicInteger();
    private final PeakEwma latency = new PeakEwma();
    // Written under PassiveHealth's lock only.
    int ejections;
    long lastEjectionEnd;

    public Target(URI url, int weight) {
        this.url = url;
        // The base is scheme://authority[/path] with no trailing slash; request paths start with "/".
        this.base = url.toString();
        this.weight = weight;
    }

    public URI url() {
        return url;
    }

    /** The URL to prepend to an upstream path. */
    @Override
    public String base() {
        return base;
    }

    public int weight() {
        return weight;
    }

    /** Whether picks may choose this target: active checks pass and it is not ejected. */
    @Override
    public boolean isHealthy() {
        return activeHealthy && !isEjected();
    }

    /** What active health checking last decided. */
    public boolean isActiveHealthy() {
        return activeHealthy;
    }

    /** Sets the active health flag (health checks; tests). */
    public void setHealthy(boolean healthy) {
        this.activeHealthy = healthy;
    }

    public boolean isEjected() {
        long until = ejectedUntil;
        // The common case, never ejected, costs no clock read.
        return until != 0 && until - System.nanoTime() > 0;
    }

    /** Nanoseconds of ejection left, 0 when not ejected. */
    public long ejectionRemainingNanos() {
        long until = ejectedUntil;
        return until == 0 ? 0 : Math.max(0, until - System.nanoTime());
    }

    void ejectUntil(long nanoTime) {
        ejectedUntil = nanoTime;
    }

    AtomicInteger consecutiveFailures() {
        return consecutiveFailures;
    }

    /** Attempts in flight to this target: picked and not yet ended (what {@code least-request} balances on). */
    @Override
    public int inflight() {
        return inflight.get();
    }

    /** An attempt to this target starts; exactly one {@link #attemptEnded} follows. */
    public void attemptStarted() {
        inflight.incrementAndGet();
    }

    /**
     * An attempt to this target ended.
     *
     * @param latencyNanos how long the upstream took, for {@code p2c-ewma}; negative when the
     *     attempt says nothing about the target's latency (the client or the gateway ended it)
     */
    public void attemptEnded(long latencyNanos) {
        inflight.decrementAndGet();
        if (latencyNanos >= 0) {
            latency.observe(latencyNanos, System.nanoTime());
        }
    }

    /** The peak-EWMA latency at {@code nowNanos}, in nanoseconds; 0 before any sample. */
    double latencyNanos(long nowNanos) {
        return latency.nanos(nowNanos);
    }

    /** Carries health state over from the same target of an older config version. */
    void inheritHealth(Target older) {
        activeHealthy = older.activeHealthy;
        ejectedUntil = older.ejectedUntil;
        consecutiveFailures.set(older.consecutiveFailures.get());
        ejections = older.ejections;
        lastEjectionEnd = older.lastEjectionEnd;
    }

    @Override
    public String toString() {
        return base + (isHealthy() ? "" : " (unhealthy)");
    }
}
