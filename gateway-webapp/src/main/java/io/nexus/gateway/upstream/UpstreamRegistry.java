package io.nexus.gateway.upstream;

import io.nexus.gateway.config.TargetSettings;
import io.nexus.gateway.config.UpstreamSettings;
import io.nexus.gateway.observability.GatewayMetrics;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The upstreams of every config version still running, keyed by their {@link UpstreamSettings}
 * (name, targets, balancer, client settings, health checks, breaker). A reload that leaves an
 * upstream's settings as they were gets the very same {@link Upstream}: its client with the
 * connections it has open, its breaker, its targets' health and its running health checker. A
 * changed upstream is built new, starting from what its predecessor of the same name learnt: the
 * breaker while the {@code circuit-breaker} settings are unchanged, the health, ejection and
 * failure streak of every target whose URL stays. Otherwise a reload during an outage would
 * close every breaker and readmit every ejected target at once.
 *
 * <p>Snapshots hold upstreams by count: a snapshot acquires its upstreams when it is built and
 * releases them when it closes after retirement (after its last request); an upstream closes
 * when no snapshot holds it any more. So a changed upstream's old client serves the requests
 * that started on it to the end, and a config that comes back while its snapshot is still
 * draining gets its upstreams back instead of new ones.
 *
 * <p>Only reloads and retirements come here, never requests: a lock guards the counts, and an
 * unheld upstream's client is stopped after it is let go.
 */
public final class UpstreamRegistry {

    private static final class Held {
        final Upstream upstream;
        int holders;
        // Which acquisition last took it: the highest of a name is the newest config's upstream.
        long acquired;

        Held(Upstream upstream) {
            this.upstream = upstream;
        }
    }

    private final UpstreamClients clients;
    private final Scheduler scheduler;
    private final GatewayMetrics metrics;
    private final Map<UpstreamSettings, Held> held = new HashMap<>();
    private long acquisitions;

    /**
     * @param scheduler runs the active health checks
     */
    public UpstreamRegistry(UpstreamClients clients, Scheduler scheduler, GatewayMetrics metrics) {
        this.clients = clients;
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    /**
     * The upstreams of a config version by name, each held once more until {@link #release}: the
     * upstream already running with the same settings, or a new one (client started, health
     * checks running). On failure, releases what it acquired and rethrows.
     */
    public synchronized Map<String, Upstream> acquire(Collection<UpstreamSettings> upstreams) throws Exception {
        long acquisition = ++acquisitions;
        Map<String, Upstream> acquired = new LinkedHashMap<>();
        try {
            for (UpstreamSettings settings : upstreams) {
                Held entry = held.get(settings);
                if (entry == null) {
                    entry = new Held(build(settings, newest(settings.name())));
                    held.put(settings, entry);
                }
                entry.holders++;
                entry.acquired = acquisition;
                acquired.put(settings.name(), entry.upstream);
            }
        } catch (Exception e) {
            release(acquired.values());
            throw e;
        }
        return acquired;
    }

    /** Counts a snapshot's upstreams out; those no snapshot holds any more are closed. */
    public void release(Collection<Upstream> upstreams) {
        List<Upstream> unheld = new ArrayList<>();
        synchronized (this) {
            for (Upstream upstream : upstreams) {
                Held entry = held.get(upstream.settings());
                if (entry != null && entry.upstream == upstream && --entry.holders == 0) {
                    held.remove(upstream.settings());
                    unheld.add(upstream);
                }
            }
        }
        // Outside the lock: stopping a client closes its connections.
        unheld.forEach(Upstream::close);
    }

    /** Upstreams held by some snapshot now. */
    synchronized int size() {
        return held.size();
    }

    /** The upstream of this name that the latest config acquired, or {@code null}. */
    private Upstream newest(String name) {
        Held newest = null;
        for (Held entry : held.values()) {
            if (entry.upstream.name().equals(name) && (newest == null || entry.acquired > newest.acquired)) {
                newest = entry;
            }
        }
        return newest == null ? null : newest.upstream;
    }

    private Upstream build(UpstreamSettings settings, Upstream predecessor) throws Exception {
        Map<URI, Target> known = new HashMap<>();
        if (predecessor != null) {
            predecessor.targets().forEach(target -> known.put(target.url(), target));
        }
        List<Target> targets = new ArrayList<>();
        for (TargetSettings target : settings.targets()) {
            Target fresh = new Target(target.url(), target.weight());
            Target older = known.get(target.url());
            if (older != null) {
                fresh.inheritHealth(older);
            }
            targets.add(fresh);
        }
        UpstreamBreaker breaker = predecessor != null && predecessor.breaker().settings().equals(settings.circuitBreaker())
            ? predecessor.breaker()
            : new UpstreamBreaker(settings.name(), settings.circuitBreaker(),
                transition -> metrics.breakerTransition(transition.upstream(), transition.from(), transition.to()));
        Upstream upstream = new Upstream(settings, Balancer.of(settings.balancer(), targets), clients.start(settings),
            metrics.upstreamMeter(settings.name()), breaker);
        upstream.startHealthChecks(scheduler);
        return upstream;
    }
}
