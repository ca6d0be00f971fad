package io.nexus.gateway.lifecycle;

import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.observability.GatewayMetrics;
import io.nexus.gateway.proxy.ContinueRelay;
import io.nexus.gateway.upstream.UpstreamClients;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: the current snapshot behind an atomic reference (read lock-free by every
 * request, replaced whole), admission control, readiness and metrics. The same object serves
 * the launcher's two ports and the WAR's single context.
 */
public final class Gateway implements AutoCloseable {

    /** The servlet context attribute under which the gateway is found. */
    public static final String ATTRIBUTE = Gateway.class.getName();

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final AtomicReference<GatewaySnapshot> snapshot;
    private final AdmissionControl admission;
    private final GatewayMetrics metrics;
    private volatile Readiness readiness = Readiness.STARTING;

    private Gateway(GatewaySnapshot snapshot, AdmissionControl admission, GatewayMetrics metrics) {
        this.snapshot = new AtomicReference<>(snapshot);
        this.admission = admission;
        this.metrics = metrics;
    }

    /**
     * Builds and starts a gateway for a validated config; it reports {@link Readiness#STARTING}
     * until {@link #markReady()}.
     *
     * @param executor runs the upstream clients' work; the server's own pool
     */
    public static Gateway start(GatewayConfig config, Executor executor) throws Exception {
        AdmissionControl admission = new AdmissionControl(config.server().maxConcurrentRequests(), config.server().queueTimeout());
        GatewayMetrics metrics = new GatewayMetrics(new PrometheusRegistry(), admission::inflight, admission::queued);
        UpstreamClients clients = new UpstreamClients(executor, new ContinueRelay());
        Gateway gateway = new Gateway(GatewaySnapshot.build(config, clients, metrics), admission, metrics);
        LOG.info("Gateway started from {}: {} routes, {} upstreams", config.source(), config.routes().size(), config.upstreams().size());
        return gateway;
    }

    public GatewaySnapshot snapshot() {
        return snapshot.get();
    }

    public GatewayConfig config() {
        return snapshot.get().config();
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
        snapshot.get().close();
    }
}
