package io.nexus.gateway.config;

import java.net.URI;
import java.time.Duration;

/**
 * {@code nexus.observability}: the access log's sampling and the tracing setup. Read by its own
 * small parser so that the observability keys stay in one place.
 *
 * @param accessLog {@code nexus.observability.access-log}
 * @param tracing {@code nexus.observability.tracing}
 */
public record ObservabilitySettings(AccessLog accessLog, Tracing tracing) {

    /** What reference.conf says; for code that runs without a parsed config. */
    public static final ObservabilitySettings DEFAULTS = new ObservabilitySettings(
        new AccessLog(true, 0.1, false, Duration.ofSeconds(1)),
        new Tracing(true, 1.0, false, URI.create("http://127.0.0.1:4318/v1/traces"), Duration.ofSeconds(10)));

    /**
     * Which requests the access log writes: every 5xx, 4xx when {@code logClientErrors}, every
     * request at least {@code slowThreshold} long, and the rest at {@code sampleRatio}.
     */
    public record AccessLog(boolean enabled, double sampleRatio, boolean logClientErrors, Duration slowThreshold) {
    }

    /**
     * Trace context handling: W3C and B3 are always read and written when {@code enabled}; spans
     * are exported over OTLP (HTTP/protobuf) only when {@code otlpEnabled}.
     *
     * @param sampleRatio share of new traces (no sampled parent) that are recorded
     */
    public record Tracing(boolean enabled, double sampleRatio, boolean otlpEnabled, URI otlpEndpoint, Duration otlpTimeout) {
    }

    static ObservabilitySettings read(Section s) {
        Section accessLog = s.section("access-log");
        AccessLog access = new AccessLog(
            accessLog.bool("enabled", DEFAULTS.accessLog().enabled()),
            ratio(accessLog, "sample-ratio", DEFAULTS.accessLog().sampleRatio()),
            accessLog.bool("log-client-errors", DEFAULTS.accessLog().logClientErrors()),
            accessLog.duration("slow-threshold", Duration.ofMillis(1), DEFAULTS.accessLog().slowThreshold()));
        accessLog.finish();

        Section tracing = s.section("tracing");
        Section otlp = tracing.section("otlp");
        URI endpoint = DEFAULTS.tracing().otlpEndpoint();
        String url = otlp.string("endpoint", endpoint.toString());
        try {
            URI parsed = URI.create(url);
            if (!("http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme())) || parsed.getHost() == null) {
                otlp.problem("endpoint", "must be an http:// or https:// URL, was \"" + url + "\"");
            } else {
                endpoint = parsed;
            }
        } catch (IllegalArgumentException e) {
            otlp.problem("endpoint", "bad URL \"" + url + "\"");
        }
        Tracing trace = new Tracing(
            tracing.bool("enabled", DEFAULTS.tracing().enabled()),
            ratio(tracing, "sample-ratio", DEFAULTS.tracing().sampleRatio()),
            otlp.bool("enabled", DEFAULTS.tracing().otlpEnabled()),
            endpoint,
            otlp.duration("timeout", Duration.ofMillis(1), DEFAULTS.tracing().otlpTimeout()));
        otlp.finish();
        tracing.finish();
        s.finish();
        return new ObservabilitySettings(access, trace);
    }

    private static double ratio(Section s, String key, double fallback) {
        double value = s.doubleValue(key, fallback);
        if (value < 0 || value > 1) {
            s.problem(key, "must be between 0 and 1, was " + value);
            return fallback;
        }
        return value;
    }
}
