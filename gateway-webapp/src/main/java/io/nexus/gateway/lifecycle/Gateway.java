package io.nexus.gateway.lifecycle;

import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.observability.GatewayMetrics;
import io.nexus.gateway.proxy.ContinueRelay;
import io.nexus.gateway.upstream.UpstreamClients;
import io.nexus.gateway.upstream.UpstreamStates;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: the current snapshot behind an atomic reference (read lock-free by every
 * request, replaced whole by {@link #apply}), admission control, readiness and metrics. The
 * same object serves the launcher's two ports and the WAR's single context.
 */
public final class Gateway implements AutoCloseable {

    /** The servlet context attribute under which the gateway is found. */
    public static final String ATTRIBUTE = Gateway.class.getName();

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    private static final Duration RETIREMENT_GRACE = Duration.ofSeconds(5);
    private static final Duration RETIREMENT_POLL = Duration.ofMillis(20);

    private final AtomicReference<GatewaySnapshot> snapshot;
    private final AdmissionControl admission;
    private final GatewayMetrics metrics;
    private final UpstreamClients clients;
    private final MiddlewareRegistry middlewares;
    private final UpstreamStates states;
    private final Object applyLock = new Object();
    private volatile Readiness readiness = Readiness.STARTING;

    private Gateway(GatewaySnapshot snapshot, AdmissionControl admission, GatewayMetrics metrics, UpstreamClients clients,
                    MiddlewareRegistry middlewares, UpstreamStates states) {
        this.snapshot = new AtomicReference<>(snapshot);
        this.admission = admission;
        this.metrics = metrics;
        this.clients = clients;
        this.middlewares = middlewares;
        this.states = states;
        metrics.registerUpstreamGauges(() -> this.snapshot.get().upstreams().values());
    }

    /** {@link #start(GatewayConfig, Executor, MiddlewareRegistry)} with the built-in middlewares. */
    public static Gateway start(GatewayConfig config, Executor executor) throws Exception {
        return start(config, executor, MiddlewareRegistry.defaults());
    }

    /**
     * Builds and starts a gateway for a validated config; it reports {@link Readiness#STARTING}
     * until {@link #markReady()}.
     *
     * @param executor runs the upstream clients' work; the server's own pool
     */
    public static Gateway start(GatewayConfig config, Executor executor, MiddlewareRegistry middlewares) throws Exception {
        AdmissionControl admission = new AdmissionControl(config.startup().server().maxConcurrentRequests(), config.startup().server().queueTimeout());
        GatewayMetrics metrics = new GatewayMetrics(new PrometheusRegistry(), admission::inflight, admission::queued);
        UpstreamClients clients = new UpstreamClients(executor, new ContinueRelay());
        UpstreamStates states = new UpstreamStates(metrics::breakerTransition);
        Gateway gateway = new Gateway(GatewaySnapshot.build(config, clients, states, middlewares, metrics), admission, metrics, clients,
            middlewares, states);
        LOG.info("Gateway started from {}: {} routes, {} upstreams", config.source(), config.routes().size(), config.upstreams().size());
        return gateway;
    }

    /** The current snapshot, for reading; requests use {@link #acquire()}. */
    public GatewaySnapshot snapshot() {
        return snapshot.get();
    }

    /**
     * The current snapshot, counted in until {@link GatewaySnapshot#release()}. Lock-free: one
     * striped increment, and a retry only in the instant a reload retires the snapshot read.
     */
    public GatewaySnapshot acquire() {
        while (true) {
            GatewaySnapshot current = snapshot.get();
            if (current.tryAcquire()) {
                return current;
            }
        }
    }

    public GatewayConfig config() {
        return snapshot.get().config();
    }

    public MiddlewareRegistry middlewares() {
        return middlewares;
    }

    /**
     * Makes a validated config live: builds its snapshot (clients started, middlewares
     * initialized) while the old one keeps serving, swaps it in atomically, then retires the
     * old one in the background once its last request is done. Server-level settings (ports,
     * backpressure, threads) stay as they were at start-up.
     *
     * @throws Exception when the new snapshot cannot be built; the old one stays live
     */
    public void apply(GatewayConfig config) throws Exception {
        synchronized (applyLock) {
            GatewaySnapshot next = GatewaySnapshot.build(config, clients, states, middlewares, metrics);
            GatewaySnapshot previous = snapshot.getAndSet(next);
            states.retainOnly(next.upstreams().keySet(), next.targetKeys());
            retireInBackground(previous);
        }
    }

    private void retireInBackground(GatewaySnapshot old) {
        old.retire();
        Instant deadline = Instant.now().plus(old.longestRequest()).plus(RETIREMENT_GRACE);
        Thread.ofVirtual().name("nexus-retire").start(() -> {
            try {
                while (old.inflight() > 0 && Instant.now().isBefore(deadline)) {
                    Thread.sleep(RETIREMENT_POLL);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (old.inflight() > 0) {
                LOG.warn("Closing a retired config with {} requests still in flight after {}", old.inflight(), old.longestRequest());
            }
            old.close(Instant.now().plus(RETIREMENT_GRACE));
        });
    }

    public AdmissionControl admission() {
        return admission;
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    public Readiness readiness() {
        return readiness;
    }

    public void markReady() {
        readiness = Readiness.READY;
    }

    /** Readiness turns 503 so that load balancers stop sending; requests are still served. */
    public void startDraining() {
        readiness = Readiness.DRAINING;
        LOG.info("Draining: readiness is now 503; {} requests in flight", admission.inflight());
    }

    @Override
    public void close() {
        readiness = Readiness.DRAINING;
        synchronized (applyLock) {
            GatewaySnapshot current = snapshot.get();
            current.retire();
            current.close(Instant.now().plus(RETIREMENT_GRACE));
        }
        metrics.close();
    }
}
