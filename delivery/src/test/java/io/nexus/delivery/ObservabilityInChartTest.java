package io.nexus.delivery;

import static io.nexus.delivery.Chart.at;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The chart ships exactly the rules and dashboard that observability/ checks with promtool. */
class ObservabilityInChartTest {

    private static final Path OBSERVABILITY = Path.of("..", "observability");
    private static final Path FILES = Chart.DIR.resolve("files");

    @Test
    void chartCopiesAreTheCheckedFiles() throws Exception {
        for (String rules : List.of("nexus-recording-rules.yml", "nexus-alert-rules.yml")) {
            assertThat(Files.readString(FILES.resolve(rules))).as(rules + " (copy it from observability/prometheus/)")
                .isEqualTo(Files.readString(OBSERVABILITY.resolve("prometheus").resolve(rules)));
        }
        assertThat(Files.readString(FILES.resolve("nexus-gateway-dashboard.json"))).as("dashboard (copy it from observability/grafana/)")
            .isEqualTo(Files.readString(OBSERVABILITY.resolve("grafana").resolve("nexus-gateway.json")));
    }

    @Test
    void prometheusRuleCarriesEveryGroupAndTheDashboardItsJson() throws Exception {
        Chart.Rendered rendered = Chart.render(c -> c.set("prometheusRule.enabled", true).set("grafanaDashboard.enabled", true));
        List<Object> groups = Chart.list(rendered.one("PrometheusRule"), "spec", "groups");
        int expected = 0;
        for (String rules : List.of("nexus-recording-rules.yml", "nexus-alert-rules.yml")) {
            Map<String, Object> file = new Yaml().load(Files.readString(OBSERVABILITY.resolve("prometheus").resolve(rules)));
            expected += ((List<?>) file.get("groups")).size();
        }
        assertThat(groups).hasSize(expected);
        assertThat(rendered.yaml()).contains("alert: HighErrorRate").contains("alert: CircuitBreakerOpen")
            .contains("{{ $labels.route }}");

        Map<String, Object> dashboard = rendered.objects().stream()
            .filter(o -> "ConfigMap".equals(o.get("kind")) && Chart.<String>at(o, "metadata", "name").endsWith("-dashboard"))
            .findFirst().orElseThrow();
        assertThat(Chart.map(dashboard, "metadata", "labels")).containsEntry("grafana_dashboard", "1");
        String json = at(dashboard, "data", "nexus-gateway.json");
        assertThat(new ObjectMapper().readTree(json).path("panels").isArray()).isTrue();
    }
}
