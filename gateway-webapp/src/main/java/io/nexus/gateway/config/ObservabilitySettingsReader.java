package io.nexus.gateway.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValueType;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Reads {@code nexus.observability} and {@code nexus.metrics} into {@link ObservabilitySettings}. */
final class ObservabilitySettingsReader {

    private ObservabilitySettingsReader() {
    }

    /** The key of {@code nexus.metrics} that takes a word or a list, which reference.conf's type check cannot say. */
    static final String ROUTE_HISTOGRAMS = "metrics.route-histograms";

    /**
     * @param metrics {@code nexus.metrics}
     * @param routes the names of the config's routes, which {@code route-histograms} may list
     */
    static ObservabilitySettings read(Section s, Section metrics, Set<String> routes) {
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
        return new ObservabilitySettings(access, trace, routeHistograms(metrics, routes));
    }

    /** {@code all}, {@code none} or a list of route names. */
    private static ObservabilitySettings.RouteHistograms routeHistograms(Section metrics, Set<String> routes) {
        String key = "route-histograms";
        if (!metrics.has(key)) {
            metrics.problem(key, "is required");
            return ObservabilitySettings.RouteHistograms.NONE;
        }
        if (metrics.object().get(key).valueType() == ConfigValueType.LIST) {
            Set<String> names = new LinkedHashSet<>(metrics.stringList(key));
            for (String name : names) {
                if (!routes.contains(name)) {
                    metrics.problem(key, "names no route \"" + name + "\"");
                }
            }
            return new ObservabilitySettings.RouteHistograms(false, names);
        }
        String value = metrics.string(key);
        if ("all".equals(value)) {
            return ObservabilitySettings.RouteHistograms.ALL;
        }
        if (value != null && !value.equals("none")) {
            metrics.problem(key, "must be all, none or a list of route names, was \"" + value + "\"");
        }
        return ObservabilitySettings.RouteHistograms.NONE;
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
        ConfigObject metrics = ReferenceConfig.RESOLVED.getObject("nexus.metrics");
        ObservabilitySettings settings = read(new Section(reference, "observability", problems), new Section(metrics, "metrics", problems), Set.of());
        if (!problems.isEmpty()) {
            throw new IllegalStateException("reference.conf: " + problems);
        }
        return settings;
    }
}
