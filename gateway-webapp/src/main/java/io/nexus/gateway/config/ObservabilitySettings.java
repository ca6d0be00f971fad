package io.nexus.gateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.Set;

/**
 * {@code nexus.observability} and {@code nexus.metrics}: the access log's sampling, the tracing
 * setup and which routes have latency histograms of their own, read by
 * {@link ObservabilitySettingsReader}.
 *
 * @param accessLog {@code nexus.observability.access-log}
 * @param tracing {@code nexus.observability.tracing}
 * @param routeHistograms {@code nexus.metrics.route-histograms}
 */
public record ObservabilitySettings(AccessLog accessLog, Tracing tracing, RouteHistograms routeHistograms) {

    /** What reference.conf says, read from it; for code that runs before a config is parsed. */
    public static final ObservabilitySettings DEFAULTS = ObservabilitySettingsReader.referenceDefaults();

    /**
     * Which requests the access log writes: every 5xx, 4xx when {@code logClientErrors}, every
     * request at least {@code slowThreshold} long, and the rest at {@code sampleRatio}.
     */
    public record AccessLog(boolean enabled, double sampleRatio, boolean logClientErrors, Duration slowThreshold, int maxErrorLinesPerSecond) {
    }

    /**
     * Trace context handling: W3C and B3 are always read and written when {@code enabled}; spans
     * are exported over OTLP (HTTP/protobuf) only when {@code otlpEnabled}.
     *
     * @param sampleRatio share of new traces (no sampled parent) that are recorded
     */
    public record Tracing(boolean enabled, double sampleRatio, boolean otlpEnabled, URI otlpEndpoint, Duration otlpTimeout) {
    }

    /**
     * Which routes observe their latency into a histogram of their own (19 series each); every
     * other route observes into the one histogram of its group.
     *
     * @param all every route
     * @param routes the routes named, when not {@code all}
     */
    public record RouteHistograms(boolean all, Set<String> routes) {

        public static final RouteHistograms ALL = new RouteHistograms(true, Set.of());
        public static final RouteHistograms NONE = new RouteHistograms(false, Set.of());

        public RouteHistograms {
            routes = Set.copyOf(routes);
        }

        /** Whether {@code route} has a histogram of its own. */
        public boolean covers(String route) {
            return all || routes.contains(route);
        }
    }
}
