package io.nexus.gateway.observability;

import io.nexus.gateway.config.ObservabilitySettings;
import io.nexus.gateway.exchange.Exchange;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.transport.HttpDestination;

/**
 * The gateway's metrics, registered once in their own registry. Label values come from bounded
 * sets only: route names (or {@code unmatched}), upstream names, a fixed list of methods,
 * status codes, reasons and middleware names.
 */
public final class GatewayMetrics {

    /** The {@code route} label of requests that matched no route. */
    public static final String UNMATCHED = "unmatched";
    /** The {@code group} label of a route without a group. */
    static final String NO_GROUP = "";

    private record MeterKey(String route, String group, boolean ownHistogram) {
    }

    private static final class HeldMeter {
        final RouteMeter meter;
        int holders;

        HeldMeter(RouteMeter meter) {
            this.meter = meter;
        }
    }

    // Gateway latencies: sub-millisecond proxying up to upstreams that hit their timeouts.
    private static final String[] BREAKER_STATES = {"closed", "open", "half_open"};
    private static final double[] LATENCY_BUCKETS = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final PrometheusRegistry registry;
    private final Counter requests;
    private final Histogram requestDuration;
    private final Histogram upstreamDuration;
    private final Counter upstreamErrors;
    private final Counter rejected;
    private final Counter middlewareFailures;
    private final Counter rateLimited;
    private final RouteMeter unmatched;
    private final GuardSignals guardSignals = new GuardSignals();
    // Guarded by this; touched only while versions are built and retired, never per request.
    private final Map<MeterKey, HeldMeter> meters = new HashMap<>();
    private final Exchange.Recorder beforeRouting;
    private final Counter breakerTransitions;
    private final Counter mirrored;
    private final AccessLog accessLog = new AccessLog();
    private final Tracing tracing = new Tracing();
    private final RateLimitStoreMetrics rateLimitStore;
    private final Counter pluginEvents;

    public GatewayMetrics(PrometheusRegistry registry, IntSupplier inflight, IntSupplier queued) {
        this.registry = registry;
        requests = Counter.builder()
            .name("nexus_requests_total")
            .help("Requests answered, by route name (or unmatched), method, status code and the route's group.")
            .labelNames("route", "method", "code", "group")
            .register(registry);
        requestDuration = Histogram.builder()
            .name("nexus_request_duration_seconds")
            .help("Time from the request entering the gateway to its response completing, by route (those with a histogram "
                + "of their own, see nexus.metrics.route-histograms; route=\"\" for the others) and group.")
            .labelNames("route", "group")
            .classicOnly()
            .classicUpperBounds(LATENCY_BUCKETS)
            .register(registry);
        upstreamDuration = Histogram.builder()
            .name("nexus_upstream_request_duration_seconds")
            .help("Time from sending a request upstream to the upstream's response completing, by upstream.")
            .labelNames("upstream")
            .classicOnly()
            .classicUpperBounds(LATENCY_BUCKETS)
            .register(registry);
        upstreamErrors = Counter.builder()
            .name("nexus_upstream_errors_total")
            .help("Errors the gateway answered because of an upstream (a failed connection, a timeout, a refusal), by upstream and cause.")
            .labelNames("upstream", "cause")
            .register(registry);
        rejected = Counter.builder()
            .name("nexus_rejected_requests_total")
            .help("Requests refused before reaching an upstream, by reason.")
            .labelNames("reason")
            .register(registry);
        middlewareFailures = Counter.builder()
            .name("nexus_middleware_failures_total")
            .help("Throwables caught by a middleware's guard, by middleware.")
            .labelNames("middleware")
            .register(registry);
        rateLimited = Counter.builder()
            .name("nexus_rate_limited_total")
            .help("Requests refused with 429 rate_limited, by route.")
            .labelNames("route")
            .register(registry);
        GaugeWithCallback.builder()
            .name("nexus_inflight_requests")
            .help("Requests holding a backpressure permit: admitted and not yet completed.")
            .callback(callback -> callback.call(inflight.getAsInt()))
            .register(registry);
        GaugeWithCallback.builder()
            .name("nexus_queued_requests")
            .help("Requests waiting for a backpressure permit (only with server.queue-timeout > 0).")
            .callback(callback -> callback.call(queued.getAsInt()))
            .register(registry);
        breakerTransitions = Counter.builder()
            .name("nexus_circuit_breaker_transitions_total")
            .help("Circuit breaker state changes, by upstream and states (closed, open, half_open).")
            .labelNames("upstream", "from", "to")
            .register(registry);
        mirrored = Counter.builder()
            .name("nexus_mirrored_requests_total")
            .help("Copies of requests for a route's mirror, by route and result (ok, failed, dropped, too_large, aborted).")
            .labelNames("route", "result")
            .register(registry);
        JvmMetricSet.register(registry);
        VirtualThreadMetrics.register(registry);
        unmatched = new RouteMeter(UNMATCHED, NO_GROUP, false, requests, requestDuration);
        beforeRouting = new RouteRecorder(unmatched, accessLog, null, guardSignals);
        rateLimitStore = new RateLimitStoreMetrics(registry);
        BuildInfo.register(registry);
        pluginEvents = Counter.builder()
            .name("nexus_plugin_events_total")
            .help("What plugins count (docs/plugins.md), by middleware, route and event.")
            .labelNames("middleware", "route", "event")
            .register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /**
     * Records the exchanges of a route of a config version, with that version's access log
     * settings; {@link #release} when the version is closed. Versions that keep the route's group
     * and histogram share one meter, so a reload costs nothing per unchanged route.
     */
    public synchronized Exchange.Recorder recorder(String route, Optional<String> group, ObservabilitySettings settings) {
        MeterKey key = new MeterKey(route, group.orElse(NO_GROUP), settings.routeHistograms().covers(route));
        HeldMeter held = meters.computeIfAbsent(key, k -> new HeldMeter(new RouteMeter(k.route(), k.group(), k.ownHistogram(), requests, requestDuration)));
        held.holders++;
        return new RouteRecorder(held.meter, accessLog, settings.accessLog(), guardSignals);
    }

    /** Records the exchanges that matched no route of a config version, with that version's access log settings. */
    public Exchange.Recorder unmatchedRecorder(ObservabilitySettings settings) {
        return new RouteRecorder(unmatched, accessLog, settings.accessLog(), guardSignals);
    }

    /**
     * Lets go of a closed version's recorder: a meter no version holds any more takes its series
     * out of {@code /metrics}, so that routes removed by reloads do not stay there for good.
     */
    public synchronized void release(Exchange.Recorder recorder) {
        if (!(recorder instanceof RouteRecorder routeRecorder) || routeRecorder.meter() == unmatched) {
            return;
        }
        RouteMeter meter = routeRecorder.meter();
        MeterKey key = new MeterKey(meter.route(), meter.group(), meter.ownHistogram());
        HeldMeter held = meters.get(key);
        if (held == null || held.meter != meter || --held.holders > 0) {
            return;
        }
        meters.remove(key);
        // The same counters, when the route lives on with the other histogram choice.
        boolean countersInUse = meters.containsKey(new MeterKey(key.route(), key.group(), !key.ownHistogram()));
        meter.removeSeries(!countersInUse);
        if (!countersInUse) {
            guardSignals.forget(key.route());
        }
    }

    /** What the config guard compares before and after a change. */
    public GuardSignals guardSignals() {
        return guardSignals;
    }

    /** Records the exchanges that end before routing (refused by an earlier filter), as unmatched. */
    public Exchange.Recorder beforeRouting() {
        return beforeRouting;
    }

    /** Trace context and spans of requests. */
    public Tracing tracing() {
        return tracing;
    }

    /** Applies the observability settings of a config about to go live. */
    public void configure(ObservabilitySettings settings) {
        tracing.configure(settings.tracing());
    }

    /** Flushes and stops what runs in the background (the span exporter). */
    public void close() {
        tracing.close();
    }

    /** The sampled access log, written by each exchange on completion. */
    public AccessLog accessLog() {
        return accessLog;
    }

    /** The meter of one upstream: its latency child resolved once, its error children on first use. */
    public UpstreamMeter upstreamMeter(String upstream) {
        return new UpstreamMeter(upstream, upstreamDuration.labelValues(upstream), upstreamErrors);
    }

    /** The rejection counter child of one reason, resolved once by the caller. */
    public CounterDataPoint rejections(String reason) {
        return rejected.labelValues(reason);
    }

    /** Counts a circuit breaker's state change. */
    public void breakerTransition(String upstream, String from, String to) {
        breakerTransitions.labelValues(upstream, from, to).inc();
    }

    /**
     * Gauges read from the live upstreams at scrape time: target health, breaker states and
     * connection pools. Reading at scrape time means an upstream removed by a reload simply
     * stops being reported, and the request path pays nothing.
     */
    public void registerUpstreamGauges(Supplier<? extends Collection<? extends UpstreamView>> upstreams) {
        GaugeWithCallback.builder()
            .name("nexus_upstream_target_healthy")
            .help("1 when the target may receive requests (active checks pass and it is not ejected), else 0.")
            .labelNames("upstream", "target")
            .callback(callback -> {
                for (UpstreamView upstream : upstreams.get()) {
                    for (UpstreamView.TargetView target : upstream.targets()) {
                        callback.call(target.isHealthy() ? 1 : 0, upstream.name(), target.base());
                    }
                }
            })
            .register(registry);
        GaugeWithCallback.builder()
            .name("nexus_circuit_breaker_state")
            .help("1 for the state each upstream's circuit breaker is in (closed, open, half_open), 0 for the others.")
            .labelNames("upstream", "state")
            .callback(callback -> {
                for (UpstreamView upstream : upstreams.get()) {
                    String state = upstream.breakerState();
                    for (String candidate : BREAKER_STATES) {
                        callback.call(candidate.equals(state) ? 1 : 0, upstream.name(), candidate);
                    }
                }
            })
            .register(registry);
        GaugeWithCallback.builder()
            .name("nexus_upstream_connections")
            .help("Connections of each upstream's client to each target, by state (active, idle).")
            .labelNames("upstream", "target", "state")
            .callback(callback -> {
                for (UpstreamView upstream : upstreams.get()) {
                    for (Destination destination : upstream.client().getDestinations()) {
                        if (destination.getConnectionPool() instanceof AbstractConnectionPool pool) {
                            String target = destination.getOrigin().asString();
                            callback.call(pool.getActiveConnectionCount(), upstream.name(), target, "active");
                            callback.call(pool.getIdleConnectionCount(), upstream.name(), target, "idle");
                        }
                    }
                }
            })
            .register(registry);
        GaugeWithCallback.builder()
            .name("nexus_upstream_active_requests")
            .help("Requests in flight to each upstream (at most its max-requests).")
            .labelNames("upstream")
            .callback(callback -> {
                for (UpstreamView upstream : upstreams.get()) {
                    callback.call(upstream.activeRequests(), upstream.name());
                }
            })
            .register(registry);
        GaugeWithCallback.builder()
            .name("nexus_upstream_pending_requests")
            .help("Requests waiting for a place with each upstream (at most its max-pending-requests).")
            .labelNames("upstream")
            .callback(callback -> {
                for (UpstreamView upstream : upstreams.get()) {
                    callback.call(upstream.pendingRequests(), upstream.name());
                }
            })
            .register(registry);
        GaugeWithCallback.builder()
            .name("nexus_upstream_queued_requests")
            .help("Requests waiting in each upstream's client for a connection to a target.")
            .labelNames("upstream", "target")
            .callback(callback -> {
                for (UpstreamView upstream : upstreams.get()) {
                    for (Destination destination : upstream.client().getDestinations()) {
                        if (destination instanceof HttpDestination http) {
                            callback.call(http.getQueuedRequestCount(), upstream.name(), destination.getOrigin().asString());
                        }
                    }
                }
            })
            .register(registry);
        GaugeWithCallback.builder()
            .name("nexus_upstream_target_inflight_requests")
            .help("Attempts in flight to each target, what balancer = least-request compares (every balancer counts them).")
            .labelNames("upstream", "target")
            .callback(callback -> {
                for (UpstreamView upstream : upstreams.get()) {
                    for (UpstreamView.TargetView target : upstream.targets()) {
                        callback.call(target.inflight(), upstream.name(), target.base());
                    }
                }
            })
            .register(registry);
    }

    /**
     * The age of the oldest request still waiting for its upstream's response head, and the
     * largest route timeout of the live config it is compared with (alert NexusStuckRequests),
     * both read at scrape time.
     */
    public void registerInflightOldest(DoubleSupplier oldestSeconds, DoubleSupplier largestTimeoutSeconds) {
        GaugeWithCallback.builder()
            .name("nexus_inflight_oldest_seconds")
            .help("Seconds the oldest request in flight has waited for its upstream's response head (0 with none); streaming responses are not counted.")
            .callback(callback -> callback.call(oldestSeconds.getAsDouble()))
            .register(registry);
        GaugeWithCallback.builder()
            .name("nexus_request_timeout_max_seconds")
            .help("The largest request timeout of the live config's routes.")
            .callback(callback -> callback.call(largestTimeoutSeconds.getAsDouble()))
            .register(registry);
    }

    /** {@code nexus_websocket_connections{route}}: the open proxied WebSockets per route, read at scrape time. */
    public void registerWebSocketConnections(Supplier<Map<String, Integer>> perRoute) {
        GaugeWithCallback.builder()
            .name("nexus_websocket_connections")
            .help("WebSocket connections the gateway proxies, per route.")
            .labelNames("route")
            .callback(callback -> perRoute.get().forEach((route, open) -> callback.call(open, route)))
            .register(registry);
    }

    /** {@code nexus_concurrency_limit}: the admission limit, fixed or where adaptive concurrency moved it, read at scrape time. */
    public void registerConcurrencyLimit(IntSupplier limit) {
        GaugeWithCallback.builder()
            .name("nexus_concurrency_limit")
            .help("Requests the gateway admits at once: server.max-concurrent-requests, or where adaptive concurrency set the limit.")
            .callback(callback -> callback.call(limit.getAsInt()))
            .register(registry);
    }

    /** The rate-limited counter child of one route, resolved once by its limiter. */
    public CounterDataPoint rateLimited(String route) {
        return rateLimited.labelValues(route);
    }

    /** The failure counter child of one middleware, resolved once by its guard. */
    public CounterDataPoint middlewareFailures(String middleware) {
        return middlewareFailures.labelValues(middleware);
    }

    /** nexus_rate_limit_store_errors_total and the fallback gauge of cluster-wide rate limits. */
    public RateLimitStoreMetrics rateLimitStore() {
        return rateLimitStore;
    }

    /** The mirror counter child of one route and result, resolved once by the route's mirror. */
    public CounterDataPoint mirrored(String route, String result) {
        return mirrored.labelValues(route, result);
    }

    /** A plugin's counter child, resolved once when the plugin's filter is made. */
    public CounterDataPoint pluginEvents(String middleware, String route, String event) {
        return pluginEvents.labelValues(middleware, route, event);
    }
}
