package io.nexus.gateway.observability;

import io.nexus.gateway.config.ObservabilitySettings;
import io.nexus.gateway.exchange.Exchange;

/**
 * Records the completed exchanges of one route (or of none): the route's meter, the end of the
 * request's span and the sampled access log line. One per route and config version, so the
 * access log settings are those of the version the request ran on; versions share the meter.
 */
final class RouteRecorder implements Exchange.Recorder {

    private final RouteMeter meter;
    private final AccessLog accessLog;
    private final ObservabilitySettings.AccessLog settings;
    private final GuardSignals guardSignals;

    /** @param settings the access log settings of the version, {@code null} before routing picked one */
    RouteRecorder(RouteMeter meter, AccessLog accessLog, ObservabilitySettings.AccessLog settings, GuardSignals guardSignals) {
        this.meter = meter;
        this.accessLog = accessLog;
        this.settings = settings;
        this.guardSignals = guardSignals;
    }

    RouteMeter meter() {
        return meter;
    }

    @Override
    public void record(Exchange exchange, int status, long durationNanos) {
        meter.record(exchange.method(), status, durationNanos, exchange.span());
        guardSignals.record(meter.route(), status, durationNanos);
        Tracing.endSpan(exchange.span(), exchange.requestId(), meter.route(), exchange.upstreamName(), status);
        accessLog.record(settings, exchange.requestId(), exchange.traceId(), exchange.method(), exchange.path(), meter.route(),
            exchange.upstreamName(), exchange.clientAddress(), status, exchange.cause(), durationNanos, exchange.bytesSent(),
            exchange.attempts(), exchange.retryCause());
    }
}
