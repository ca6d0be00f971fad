package io.nexus.gateway.snapshot;

import io.nexus.gateway.config.MiddlewareSettings;
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
    private final Map<ChainKey, Held> held = new HashMap<>();

    /** A route with the {@code middleware-settings} of the middlewares it runs: a chain is reused only when both are unchanged. */
    private record ChainKey(RouteSettings route, Map<String, MiddlewareSettings> settings) {

        static ChainKey of(RouteSettings route, Map<String, MiddlewareSettings> all) {
            Map<String, MiddlewareSettings> used = new HashMap<>();
            for (String name : route.middlewares()) {
                MiddlewareSettings settings = all.get(name);
                if (settings != null) {
                    used.put(name, settings);
                }
            }
            return new ChainKey(route, Map.copyOf(used));
        }
    }

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
     * route and its middlewares' settings are unchanged, else a new one, its middlewares initialized.
     *
     * @param settings the version's {@code middleware-settings}
     */
    public synchronized RouteChain acquire(RouteSettings route, Map<String, MiddlewareSettings> settings) throws Exception {
        if (route.middlewares().isEmpty()) {
            return RouteChain.empty();
        }
        ChainKey key = ChainKey.of(route, settings);
        Held entry = held.get(key);
        if (entry == null) {
            entry = new Held(middlewares.chainFor(route, settings, metrics, scheduler));
            held.put(key, entry);
        }
        entry.holders++;
        return entry.chain;
    }

    /** Counts a version's chains out; those no version holds any more are shut down. */
    public void release(Collection<RouteSettings> routes, Map<String, MiddlewareSettings> settings, Instant deadline) {
        List<RouteChain> unheld = new ArrayList<>();
        synchronized (this) {
            for (RouteSettings route : routes) {
                ChainKey key = ChainKey.of(route, settings);
                Held entry = held.get(key);
                if (entry != null && --entry.holders == 0) {
                    held.remove(key);
                    unheld.add(entry.chain);
                }
            }
        }
        // Outside the lock: a middleware's shutdown may wait for its background work.
        unheld.forEach(chain -> chain.shutdown(deadline));
    }
}
