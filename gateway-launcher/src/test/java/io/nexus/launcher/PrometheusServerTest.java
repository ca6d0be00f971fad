package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server (Debian's binary, loopback, storage in a temp dir) scrapes a running
 * gateway's admin {@code /metrics} every second with the shipped rule files loaded, and is
 * asked through its HTTP API whether the gateway's series and the recording rules are there.
 */
@Tag("prometheus")
class PrometheusServerTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static PrometheusServer prometheus;

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config("""
            nexus {
              upstreams { api { targets = [${upstreams.up}] } }
              routes = [{ name = "api", path = "/api", upstream = "api", strip-prefix = true, group = "shop" }]
            }
            """)
        .build();

    @BeforeAll
    static void startPrometheus() throws Exception {
        prometheus = PrometheusServer.start(dir, nexus.gateway().adminPort(),
            List.of(ObservabilityFiles.RECORDING_RULES, ObservabilityFiles.ALERT_RULES));
    }

    /** Prometheus stops before the extension stops the gateway it scrapes. */
    @AfterAll
    static void stopPrometheus() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
    }

    @Test
    void prometheusScrapesTheGatewayAndEvaluatesTheRules() throws Exception {
        // Traffic across two scrapes at least, so that rate() has two samples to work with.
        Awaitility.await().atMost(PATIENCE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            for (int i = 0; i < 10; i++) {
                nexus.get("/api/ok");
            }
            nexus.get("/api/status/503");
            nexus.get("/nowhere");
            assertThat(query("nexus:requests:rate1m{route=\"api\"}")).isNotEmpty();
        });

        JsonNode target = get("/api/v1/targets").path("data").path("activeTargets").get(0);
        assertThat(target.path("health").asText()).as(target.toString()).isEqualTo("up");
        assertThat(query("up{job=\"nexus\"}").get(0).path("value").get(1).asText()).isEqualTo("1");

        for (String series : List.of("nexus_requests_total{route=\"api\",code=\"200\",method=\"GET\"}",
            "nexus_requests_total{route=\"api\",code=\"503\"}", "nexus_requests_total{route=\"unmatched\",code=\"404\"}",
            "nexus_requests_total{route=\"api\",group=\"shop\"}", "nexus_request_duration_seconds_bucket{route=\"\",group=\"shop\",le=\"0.25\"}", "nexus_upstream_request_duration_seconds_count{upstream=\"api\"}",
            "nexus_inflight_requests", "nexus_config_version_info{version=\"1\",sha256=~\"[0-9a-f]{64}\"}", "nexus_build_info{jetty=~\"12[.].+\"}", "jvm_memory_used_bytes{area=\"heap\"}")) {
            assertThat(query(series)).as(series).isNotEmpty();
        }

        // The SLI recording rules: 1 of every 11 api requests (and none of the unmatched) is a 5xx.
        Awaitility.await().atMost(PATIENCE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertThat(value("nexus:slo_availability_errors:ratio_rate5m{job=\"nexus\"}")).isBetween(0.0, 1.0).isPositive();
            assertThat(value("nexus:slo_latency_slow:ratio_rate5m{job=\"nexus\"}")).isBetween(0.0, 1.0);
            assertThat(value("nexus:requests_5xx:ratio_rate5m{route=\"api\"}")).isPositive();
            // The default route-histograms = none: the route's latency is its group's (route="").
            assertThat(value("nexus:request_duration_seconds:p99_5m{group=\"shop\",route=\"\"}")).isPositive();
            assertThat(value("nexus:group_request_duration_seconds:p99_5m{group=\"shop\"}")).isPositive();
            assertThat(value("nexus:group_requests_5xx:ratio_rate5m{group=\"shop\"}")).isPositive();
        });

        JsonNode groups = get("/api/v1/rules").path("data").path("groups");
        List<String> unhealthy = new ArrayList<>();
        int rules = 0;
        for (JsonNode group : groups) {
            for (JsonNode rule : group.path("rules")) {
                rules++;
                if (!rule.path("health").asText().equals("ok") && !rule.path("health").asText().equals("unknown")) {
                    unhealthy.add(rule.path("name").asText() + ": " + rule.path("lastError").asText());
                }
            }
        }
        assertThat(rules).isGreaterThan(25);
        assertThat(unhealthy).isEmpty();
    }

    @Test
    void everyDashboardQueryIsValidPromql() throws Exception {
        JsonNode dashboard = JSON.readTree(ObservabilityFiles.DASHBOARD.toFile());
        for (String expression : AlertRulesTest.dashboardExpressions(dashboard)) {
            String concrete = expression.replace("$__rate_interval", "1m").replace("$__range", "1h")
                .replace("$job", ".*").replace("$instance", ".*").replace("$group", ".*").replace("$route", ".*");
            JsonNode answer = get("/api/v1/query?query=" + URLEncoder.encode(concrete, StandardCharsets.UTF_8));
            assertThat(answer.path("status").asText()).as(concrete + " -> " + answer).isEqualTo("success");
        }
    }

    private static List<JsonNode> query(String promql) throws Exception {
        JsonNode answer = prometheus.query(promql);
        assertThat(answer.path("status").asText()).as(promql + " -> " + answer).isEqualTo("success");
        List<JsonNode> result = new ArrayList<>();
        answer.path("data").path("result").forEach(result::add);
        return result;
    }

    /** The value of a query that must return exactly one series. */
    private static double value(String promql) throws Exception {
        List<JsonNode> result = query(promql);
        assertThat(result).as(promql).hasSize(1);
        return Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    private static JsonNode get(String path) throws Exception {
        return prometheus.get(path);
    }
}
