package io.nexus.gateway.config;

import java.net.URI;
import java.time.Duration;

/**
 * {@code nexus.observability}: the access log's sampling and the tracing setup, read by
 * {@link ObservabilitySettingsReader}.
 *
 * @param accessLog {@code nexus.observability.access-log}
 * @param tracing {@code nexus.observability.tracing}
 */
public record ObservabilitySettings(AccessLog accessLog, Tracing tracing) {

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
}
