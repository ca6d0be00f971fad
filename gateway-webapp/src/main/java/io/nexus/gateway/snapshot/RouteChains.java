package io.nexus.gateway.snapshot;

import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.middleware.RouteChain;
import io.nexus.gateway.observability.GatewayMetrics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The middleware chains of every config version still running, keyed by the route's whole
 * {@link RouteSettings} (its auth provider's settings included). A reload that leaves a route as
 * it was gets the very same chain, initialized once: so a reload of thousands of routes costs the
 * routes it changes, not a second set of middlewares. Versions hold chains by count, as they hold
 * upstreams; a chain is shut down when no version holds it any more.
 *
 * <p>Only reloads and retirements come here, never requests: a lock guards the counts.
 */
public final class RouteChains {

    private static final class Held {
        final RouteChain chain;
        int holders;

        Held(RouteChain chain) {
            this.chain = chain;
        }
    }

    private final MiddlewareRegistry middlewares;
    private final GatewayMetrics metrics;
    private final Scheduler scheduler;
    private final Map<RouteSettings, Held> held = new HashMap<>();

    /** @param scheduler the gateway's scheduler, handed to every middleware's {@code init} */
    public RouteChains(MiddlewareRegistry middlewares, GatewayMetrics metrics, Scheduler scheduler) {
        this.middlewares = middlewares;
        this.metrics = metrics;
        this.scheduler = scheduler;
    }

    public MiddlewareRegistry middlewares() {
        return middlewares;
    }

    /**
     * The chain of a route, held once more until {@link #release}: the running one when the
     * route is unchanged, else a new one, its middlewares initialized.
     */
    public synchronized RouteChain acquire(RouteSettings route) throws Exception {
        if (route.middlewares().isEmpty()) {
            return RouteChain.empty();
        }
        Held entry = held.get(route);
        if (entry == null) {
            entry = new Held(middlewares.chainFor(route, metrics, scheduler));
            held.put(route, entry);
        }
        entry.holders++;
        return entry.chain;
    }

    /** Counts a version's chains out; those no version holds any more are shut down. */
    public void release(Collection<RouteSettings> routes, Instant deadline) {
        List<RouteChain> unheld = new ArrayList<>();
        synchronized (this) {
            for (RouteSettings route : routes) {
                Held entry = held.get(route);
                if (entry != null && --entry.holders == 0) {
                    held.remove(route);
                    unheld.add(entry.chain);
                }
            }
        }
        // Outside the lock: a middleware's shutdown may wait for its background work.
        unheld.forEach(chain -> chain.shutdown(deadline));
    }
}
