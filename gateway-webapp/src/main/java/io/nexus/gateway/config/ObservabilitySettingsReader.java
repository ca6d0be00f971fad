package io.nexus.gateway.config;

import com.typesafe.config.ConfigObject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code nexus.observability} into {@link ObservabilitySettings}. */
final class ObservabilitySettingsReader {

    private ObservabilitySettingsReader() {
    }

    static ObservabilitySettings read(Section s) {
        Section accessLog = s.section("access-log");
        ObservabilitySettings.AccessLog access = new ObservabilitySettings.AccessLog(
            accessLog.bool("enabled"),
            accessLog.doubleBetween("sample-ratio", 0, 1),
            accessLog.bool("log-client-errors"),
            accessLog.duration("slow-threshold", Duration.ofMillis(1)),
            accessLog.intBetween("max-error-lines-per-second", 1, 1_000_000));

        Section tracing = s.section("tracing");
        Section otlp = tracing.section("otlp");
        ObservabilitySettings.Tracing trace = new ObservabilitySettings.Tracing(
            tracing.bool("enabled"),
            tracing.doubleBetween("sample-ratio", 0, 1),
            otlp.bool("enabled"),
            endpoint(otlp),
            otlp.duration("timeout", Duration.ofMillis(1)));
        return new ObservabilitySettings(access, trace);
    }

    /** {@code null} after a problem. */
    private static URI endpoint(Section otlp) {
        String url = otlp.string("endpoint");
        if (url == null) {
            return null;
        }
        try {
            URI parsed = URI.create(url);
            if (("http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme())) && parsed.getHost() != null) {
                return parsed;
            }
            otlp.problem("endpoint", "must be an http:// or https:// URL, was \"" + url + "\"");
        } catch (IllegalArgumentException e) {
            otlp.problem("endpoint", "bad URL \"" + url + "\"");
        }
        return null;
    }

    /** reference.conf's {@code nexus.observability}, read like a file's. */
    static ObservabilitySettings referenceDefaults() {
        List<ConfigProblem> problems = new ArrayList<>();
        ConfigObject reference = ReferenceConfig.RESOLVED.getObject("nexus.observability");
        ObservabilitySettings settings = read(new Section(reference, "observability", problems));
        if (!problems.isEmpty()) {
            throw new IllegalStateException("reference.conf: " + problems);
        }
        return settings;
    }
}
