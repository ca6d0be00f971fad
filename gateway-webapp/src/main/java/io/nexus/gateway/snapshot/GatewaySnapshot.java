package io.nexus.gateway.snapshot;

import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.middleware.RouteChain;
import io.nexus.gateway.observability.GatewayMetrics;
import io.nexus.gateway.routing.Route;
import io.nexus.gateway.routing.RouteTable;
import io.nexus.gateway.upstream.Upstream;
import io.nexus.gateway.upstream.UpstreamRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Everything a request needs from one configuration: routes with their middlewares, upstreams
 * with their clients. Immutable once built and published whole; a request holds the snapshot
 * it started with ({@link #tryAcquire()} / {@link #release()}) so that a retired snapshot closes
 * its resources only after its last request. The upstreams are not its own: it holds them in the
 * {@link UpstreamRegistry}, which keeps an upstream running for as long as any snapshot holds it.
 */
public final class GatewaySnapshot implements Exchange.Lease {

    private final GatewayConfig config;
    private final RouteTable routes;
    private final UpstreamRegistry registry;
    private final Map<String, Upstream> upstreams;
    private final RouteChains chains;
    private final GatewayMetrics metrics;
    private final Exchange.Recorder unmatched;
    // Striped: every request touches it twice; only a retired snapshot ever sums it.
    private final LongAdder inflight = new LongAdder();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean retired;

    private GatewaySnapshot(GatewayConfig config, RouteTable routes, UpstreamRegistry registry, Map<String, Upstream> upstreams,
                            RouteChains chains, GatewayMetrics metrics) {
        this.config = config;
        this.routes = routes;
        this.registry = registry;
        this.upstreams = Map.copyOf(upstreams);
        this.chains = chains;
        this.metrics = metrics;
        this.unmatched = metrics.unmatchedRecorder(config.observability());
    }

    /**
     * Builds a snapshot: acquires its upstreams from the registry (the running ones where their
     * settings are unchanged, new ones with started clients otherwise), its routes' middleware
     * chains (likewise: an unchanged route keeps its chain) and its routes' meters. On failure,
     * releases what it acquired and shuts down what it started.
     */
    public static GatewaySnapshot build(GatewayConfig config, UpstreamRegistry registry, RouteChains chains, GatewayMetrics metrics)
        throws Exception {
        Map<String, Upstream> upstreams = registry.acquire(config.upstreams().values());
        List<Route> routes = new ArrayList<>(config.routes().size());
        try {
            for (RouteSettings settings : config.routes()) {
                RouteChain chain = chains.acquire(settings, config.middlewareSettings());
                routes.add(new Route(settings, upstreams,
                    metrics.recorder(settings.name(), settings.group(), config.observability()), chain, metrics));
            }
            metrics.configure(config.observability());
            return new GatewaySnapshot(config, RouteTable.of(routes), registry, upstreams, chains, metrics);
        } catch (Exception | OutOfMemoryError e) {
            release(routes, config, chains, metrics, Instant.now());
            registry.release(upstreams.values());
            throw e;
        }
    }

    public GatewayConfig config() {
        return config;
    }

    public RouteTable routes() {
        return routes;
    }

    public Map<String, Upstream> upstreams() {
        return upstreams;
    }

    /** Records the exchanges that matched no route of this snapshot. */
    public Exchange.Recorder unmatchedRecorder() {
        return unmatched;
    }

    /**
     * Counts a request in, unless the snapshot has retired. The count goes up before the flag
     * is read, and retirement sets the flag before it sums the count: so either retirement sees
     * this request, or this request sees the flag and goes to the newer snapshot.
     */
    boolean tryAcquire() {
        inflight.increment();
        if (retired) {
            release();
            return false;
        }
        return true;
    }

    /**
     * Counts a request out. On a retired snapshot, the release that brings the count to zero
     * signals {@link #retire()}'s stage: the count goes down before the flag is read, and
     * retirement sets the flag before it sums, so one of the two always sees zero.
     */
    @Override
    public void release() {
        inflight.decrement();
        if (retired && inflight.sum() == 0) {
            drained.complete(null);
        }
    }

    /**
     * Takes no more requests; the stage completes when the last request in flight released
     * the snapshot (at once when there is none).
     */
    public CompletionStage<Void> retire() {
        retired = true;
        if (inflight.sum() == 0) {
            drained.complete(null);
        }
        return drained;
    }

    /** Requests that acquired this snapshot and have not released it. */
    public long inflight() {
        return inflight.sum();
    }

    /** The longest any request of this snapshot may take: its largest request timeout. */
    public Duration longestRequest() {
        Duration longest = Duration.ZERO;
        for (Upstream upstream : upstreams.values()) {
            if (upstream.settings().requestTimeout().compareTo(longest) > 0) {
                longest = upstream.settings().requestTimeout();
            }
        }
        for (RouteSettings route : config.routes()) {
            if (route.requestTimeout().isPresent() && route.requestTimeout().get().compareTo(longest) > 0) {
                longest = route.requestTimeout().get();
            }
        }
        return longest;
    }

    /**
     * Releases the routes' chains (those no other snapshot holds are shut down) and meters, then
     * the upstreams: those no other snapshot holds stop their health checks and clients. Once
     * only: retirement and the gateway's stop may both get here.
     */
    public void close(Instant deadline) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        release(routes.routes(), config, chains, metrics, deadline);
        registry.release(upstreams.values());
    }

    private static void release(List<Route> routes, GatewayConfig config, RouteChains chains, GatewayMetrics metrics, Instant deadline) {
        List<RouteSettings> held = new ArrayList<>(routes.size());
        for (Route route : routes) {
            held.add(route.settings());
            metrics.release(route.recorder());
        }
        chains.release(held, config.middlewareSettings(), deadline);
    }
}
