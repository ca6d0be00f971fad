package io.nexus.gateway.lifecycle;

import io.nexus.gateway.admin.AdminView;
import io.nexus.gateway.admin.Readiness;
import io.nexus.gateway.concurrency.AdaptiveLimit;
import io.nexus.gateway.config.AdaptiveConcurrencySettings;
import io.nexus.gateway.config.AdminSettings;
import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.StartupSettings;
import io.nexus.gateway.filter.AdmissionControl;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.observability.GatewayMetrics;
import io.nexus.gateway.proxy.ContinueRelay;
import io.nexus.gateway.proxy.EarlyHintsRelay;
import io.nexus.gateway.proxy.InflightCalls;
import io.nexus.gateway.routing.Route;
import io.nexus.gateway.proxy.InterimConsumer;
import io.nexus.gateway.proxy.OpenWebSockets;
import io.nexus.gateway.reload.LiveConfig;
import io.nexus.gateway.snapshot.CurrentSnapshot;
import io.nexus.gateway.snapshot.GatewaySnapshot;
import io.nexus.gateway.snapshot.RouteChains;
import io.nexus.gateway.upstream.UpstreamClients;
import io.nexus.gateway.upstream.UpstreamRegistry;
import io.nexus.gateway.observability.GuardSignals;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: the current snapshot (read lock-free by every request, replaced whole by
 * {@link #apply}), the upstreams that outlive snapshots, admission control, readiness, metrics
 * and the one scheduler that runs its background work (health checks, JWKS refreshes, the
 * config watcher, certificate checks, the upstream clients' timeouts and idle trims, retirement
 * deadlines). The same object serves the launcher's two ports and the WAR's single context.
 */
public final class Gateway implements LiveConfig, AdminView, AutoCloseable {

    /** The servlet context attribute under which the gateway is found. */
    public static final String ATTRIBUTE = Gateway.class.getName();

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    private static final Duration RETIREMENT_GRACE = Duration.ofSeconds(5);

    private final CurrentSnapshot snapshots;
    private final GatewayConfig startedWith;
    private final AdmissionControl admission;
    private final GatewayMetrics metrics;
    private final UpstreamRegistry upstreams;
    private final RouteChains chains;
    private final Scheduler scheduler;
    private final Executor executor;
    private final InflightCalls inflightCalls = new InflightCalls();
    private final OpenWebSockets webSockets = new OpenWebSockets();
    // Replaced snapshots waiting for their last request, closed at the latest when the gateway stops.
    private final Set<GatewaySnapshot> retiring = ConcurrentHashMap.newKeySet();
    private final Object applyLock = new Object();
    private volatile Readiness readiness = Readiness.STARTING;
    private volatile boolean closed;

    private Gateway(GatewaySnapshot snapshot, AdmissionControl admission, GatewayMetrics metrics, UpstreamRegistry upstreams,
                    RouteChains chains, Scheduler scheduler, Executor executor) {
        this.snapshots = new CurrentSnapshot(snapshot);
        this.startedWith = snapshot.config();
        this.admission = admission;
        this.metrics = metrics;
        this.upstreams = upstreams;
        this.chains = chains;
        this.scheduler = scheduler;
        this.executor = executor;
        metrics.registerUpstreamGauges(() -> snapshots.get().upstreams().values());
        metrics.registerInflightOldest(inflightCalls::oldestWaitingSeconds,
            () -> snapshots.get().routes().routes().stream().mapToLong(Route::requestTimeoutMillis).max().orElse(0) / 1000.0);
        inflightCalls.start(scheduler);
        metrics.registerWebSocketConnections(webSockets::counts);
        scheduleSuppressedLines();
    }

    /** Once a second, the access log's summary of the error lines it left out. */
    private void scheduleSuppressedLines() {
        if (!closed) {
            scheduler.schedule(() -> {
                try {
                    metrics.accessLog().flushSuppressed();
                } finally {
                    scheduleSuppressedLines();
                }
            }, 1, TimeUnit.SECONDS);
        }
    }

    /** The WebSocket connections the gateway proxies. */
    public OpenWebSockets webSockets() {
        return webSockets;
    }

    /** The upstream calls in flight, watched for those stuck past their deadline. */
    public InflightCalls inflightCalls() {
        return inflightCalls;
    }

    /** {@link #start(GatewayConfig, Executor, MiddlewareRegistry)} with the built-in middlewares. */
    public static Gateway start(GatewayConfig config, Executor executor) throws Exception {
        return start(config, executor, BuiltInMiddlewares.registry());
    }

    /**
     * Builds and starts a gateway for a validated config; it reports {@link Readiness#STARTING}
     * until {@link #markReady()}.
     *
     * @param executor runs the upstream clients' work; the server's own pool ({@code null}: the clients' own)
     */
    public static Gateway start(GatewayConfig config, Executor executor, MiddlewareRegistry middlewares) throws Exception {
        AdmissionControl admission = admissionControl(config.startup());
        GatewayMetrics metrics = new GatewayMetrics(new PrometheusRegistry(), admission::inflight, admission::queued);
        metrics.registerConcurrencyLimit(admission::limit);
        Scheduler scheduler = new ScheduledExecutorScheduler("nexus-scheduler", true);
        scheduler.start();
        UpstreamRegistry upstreams = new UpstreamRegistry(new UpstreamClients(executor, scheduler,
            List.of(new ContinueRelay(), new EarlyHintsRelay(), new InterimConsumer())), scheduler, metrics);
        Executor background = executor != null ? executor : command -> Thread.ofVirtual().name("nexus-background").start(command);
        try {
            RouteChains chains = new RouteChains(middlewares, metrics, scheduler);
            Gateway gateway = new Gateway(GatewaySnapshot.build(config, upstreams, chains, metrics), admission, metrics,
                upstreams, chains, scheduler, background);
            LOG.info("Gateway started from {}: {} routes, {} upstreams", config.source(), config.routes().size(), config.upstreams().size());
            return gateway;
        } catch (Exception e) {
            LifeCycle.stop(scheduler);
            throw e;
        }
    }

    /** A fixed limit of {@code max-concurrent-requests}, or one that measured latency moves. */
    private static AdmissionControl admissionControl(StartupSettings startup) {
        AdaptiveConcurrencySettings adaptive = startup.adaptiveConcurrency();
        if (!adaptive.enabled()) {
            return new AdmissionControl(startup.server().maxConcurrentRequests(), startup.server().queueTimeout());
        }
        LOG.info("Adaptive concurrency: {} between {} and {}, starting at {}", adaptive.algorithm().configName(), adaptive.minLimit(),
            adaptive.maxLimit(), adaptive.initialLimit());
        return new AdmissionControl(AdaptiveLimit.of(adaptive), startup.server().queueTimeout());
    }

    /** The current snapshot, for reading; requests acquire it through {@link #snapshots()}. */
    @Override
    public GatewaySnapshot snapshot() {
        return snapshots.get();
    }

    /** The current snapshot, for the routing filter. */
    public CurrentSnapshot snapshots() {
        return snapshots;
    }

    @Override
    public GatewayConfig config() {
        return snapshots.get().config();
    }

    @Override
    public AdminSettings startupAdminSettings() {
        return startedWith.startup().admin();
    }

    public MiddlewareRegistry middlewares() {
        return chains.middlewares();
    }

    @Override
    public List<MiddlewareRegistry.Registration> registeredMiddlewares() {
        return chains.middlewares().registrations();
    }

    /**
     * Times the gateway's background work; stopped with it, after everything that uses it. Its
     * one thread must never block: work that may, it hands to {@link #executor()}.
     */
    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * Runs background work that may block (closing a retired snapshot, a config file check): the
     * server's pool, or a virtual thread per task when the gateway was given none.
     */
    public Executor executor() {
        return executor;
    }

    /**
     * Makes a validated config live: builds its snapshot (unchanged upstreams and routes kept as
     * they run, changed ones started and initialized) while the old one keeps serving, swaps it in
     * atomically, then retires the old one once its last request is done. Server-level settings
     * (ports, backpressure, threads) stay as they were at start-up.
     *
     * @throws Exception when the new snapshot cannot be built; the old one stays live
     */
    @Override
    public void apply(GatewayConfig config) throws Exception {
        synchronized (applyLock) {
            GatewaySnapshot next = GatewaySnapshot.build(config, upstreams, chains, metrics);
            retire(snapshots.replace(next));
        }
    }

    /**
     * Closes a replaced snapshot when its last request released it, signalled by that release;
     * or, should a request never finish, once the longest request it allows plus a grace is over.
     */
    private void retire(GatewaySnapshot old) {
        retiring.add(old);
        Duration limit = old.longestRequest().plus(RETIREMENT_GRACE);
        CompletableFuture<Boolean> drained = new CompletableFuture<>();
        old.retire().thenRun(() -> drained.complete(true));
        Scheduler.Task timeout = scheduler.schedule(() -> drained.complete(false), limit.toMillis(), TimeUnit.MILLISECONDS);
        // Closing stops clients: never on the request thread whose release signalled the drain.
        drained.thenAcceptAsync(clean -> {
            timeout.cancel();
            if (!clean) {
                LOG.warn("Closing a retired config with {} requests still in flight after {}", old.inflight(), limit);
            }
            old.close(Instant.now().plus(RETIREMENT_GRACE));
            retiring.remove(old);
        }, executor);
    }

    public AdmissionControl admission() {
        return admission;
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    @Override
    public PrometheusRegistry registry() {
        return metrics.registry();
    }

    @Override
    public GuardSignals guardSignals() {
        return metrics.guardSignals();
    }

    @Override
    public Readiness readiness() {
        return readiness;
    }

    public void markReady() {
        readiness = Readiness.READY;
    }

    /**
     * Ends the open streams, from {@code before} the end of a drain of {@code timeout} on (a
     * stream never ends by itself, and would otherwise be cut off when the drain runs out).
     *
     * @return the scheduled end, to cancel when the drain finishes first
     */
    public Scheduler.Task endStreamsBefore(Duration timeout, Duration before) {
        long delay = Math.max(0, timeout.minus(before).toMillis());
        return scheduler.schedule(() -> {
            int ended = inflightCalls.endStreams();
            if (ended > 0) {
                LOG.info("Ended {} open streams at the end of the drain", ended);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** Readiness turns 503 so that load balancers stop sending; requests are still served. */
    public void startDraining() {
        readiness = Readiness.DRAINING;
        LOG.info("Draining: readiness is now 503; {} requests in flight", admission.inflight());
    }

    /**
     * Closes the live snapshot and those still retiring (the server has stopped: their requests
     * are over or cut short), so that every upstream is released and closed; then the scheduler,
     * once nothing uses it. The config plane and the server stop first.
     */
    @Override
    public void close() {
        readiness = Readiness.DRAINING;
        synchronized (applyLock) {
            GatewaySnapshot current = snapshots.get();
            current.retire();
            Instant deadline = Instant.now().plus(RETIREMENT_GRACE);
            current.close(deadline);
            for (GatewaySnapshot old : retiring) {
                old.close(deadline);
            }
            retiring.clear();
        }
        closed = true;
        inflightCalls.stop();
        metrics.accessLog().flushSuppressed();
        metrics.close();
        LifeCycle.stop(scheduler);
    }
}
