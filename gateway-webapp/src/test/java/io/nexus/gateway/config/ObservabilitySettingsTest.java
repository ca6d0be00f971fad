package io.nexus.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObservabilitySettingsTest {

    private static List<String> problems(String text) {
        try {
            ConfigLoader.parse(text, "gateway.conf", Map.of());
            return List.of();
        } catch (InvalidConfigException e) {
            return e.problems().stream().map(p -> p.key() + ": " + p.message()).toList();
        }
    }

    @Test
    void defaultsComeFromReferenceConfAndMatchTheConstant() throws Exception {
        ObservabilitySettings settings = ConfigLoader.parse("nexus {}", "gateway.conf", Map.of()).observability();
        assertThat(settings).isEqualTo(ObservabilitySettings.DEFAULTS);
    }

    @Test
    void everyKeyIsRead() throws Exception {
        ObservabilitySettings settings = ConfigLoader.parse("""
            nexus.observability {
              access-log { enabled = false, sample-ratio = 0.25, log-client-errors = true, slow-threshold = 250ms }
              tracing { enabled = false, sample-ratio = 0.5, otlp { enabled = true, endpoint = "https://collector:4318/v1/traces", timeout = 3s } }
            }
            """, "gateway.conf", Map.of()).observability();
        assertThat(settings.accessLog()).isEqualTo(new ObservabilitySettings.AccessLog(false, 0.25, true, Duration.ofMillis(250), 10));
        assertThat(settings.tracing()).isEqualTo(new ObservabilitySettings.Tracing(false, 0.5, true,
            URI.create("https://collector:4318/v1/traces"), Duration.ofSeconds(3)));
    }

    @Test
    void badValuesAndUnknownKeysNameTheirKey() {
        assertThat(problems("""
            nexus.observability {
              access-log { sample-ratio = 1.5, slow-treshold = 1s }
              tracing.otlp.endpoint = "ftp://collector"
            }
            """)).containsExactlyInAnyOrder(
            "observability.access-log.sample-ratio: must be between 0 and 1, was 1.5",
            "observability.access-log.slow-treshold: unknown key",
            "observability.tracing.otlp.endpoint: must be an http:// or https:// URL, was \"ftp://collector\"");
    }

    private static final String TWO_ROUTES = """
        nexus {
          upstreams { up { targets = ["http://127.0.0.1:1"] } }
          routes = [
            { name = "checkout", path = "/checkout", upstream = up, group = "shop" }
            { name = "search", path = "/search", upstream = up }
          ]
          %s
        }
        """;

    @Test
    void routeHistogramsAreAllNoneOrAListOfRoutes() throws Exception {
        assertThat(ObservabilitySettings.DEFAULTS.routeHistograms()).isEqualTo(ObservabilitySettings.RouteHistograms.NONE);
        GatewayConfig all = ConfigLoader.parse(TWO_ROUTES.formatted("metrics.route-histograms = all"), "gateway.conf", Map.of());
        assertThat(all.observability().routeHistograms().covers("search")).isTrue();
        GatewayConfig listed = ConfigLoader.parse(TWO_ROUTES.formatted("metrics.route-histograms = [checkout]"), "gateway.conf", Map.of());
        assertThat(listed.observability().routeHistograms().covers("checkout")).isTrue();
        assertThat(listed.observability().routeHistograms().covers("search")).isFalse();
        assertThat(listed.routes().get(0).group()).contains("shop");
        assertThat(listed.routes().get(1).group()).isEmpty();
    }

    @Test
    void aRouteHistogramForNoRouteOrABadGroupNamesFileLineAndKey() throws Exception {
        List<String> problems = new java.util.ArrayList<>();
        try {
            ConfigLoader.parse(TWO_ROUTES.formatted("metrics.route-histograms = [checkout, chekout]").replace("\"shop\"", "\"the shop\""),
                "gateway.conf", Map.of());
        } catch (InvalidConfigException e) {
            e.problems().forEach(problem -> problems.add(problem.toString()));
        }
        assertThat(problems).containsExactlyInAnyOrder(
            "metrics.route-histograms: names no route \"chekout\" (gateway.conf:7)",
            "routes[0].group: group must match [A-Za-z0-9][A-Za-z0-9._-]{0,63} (gateway.conf:4)");
        assertThat(problems("nexus.metrics.route-histograms = some")).containsExactly(
            "metrics.route-histograms: must be all, none or a list of route names, was \"some\"");
    }
}
