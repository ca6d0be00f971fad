package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MetricsTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config("""
            nexus {
              metrics { route-histograms = all }
              upstreams { api { targets = [${upstreams.up}] } }
              routes = [{ name = "api", path = "/api", upstream = "api", strip-prefix = true }]
            }
            """)
        .build();

    @Test
    void requestsAreCountedByRouteMethodAndCode() throws Exception {
        nexus.get("/api/a");
        nexus.get("/api/status/418");
        TestGateway.send(nexus.request("/api/b").method("DELETE"));
        nexus.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_requests_total{code=\"200\",group=\"\",method=\"GET\",route=\"api\"}")
            .contains("nexus_requests_total{code=\"418\",group=\"\",method=\"GET\",route=\"api\"}")
            .contains("nexus_requests_total{code=\"200\",group=\"\",method=\"DELETE\",route=\"api\"}")
            .contains("nexus_request_duration_seconds_bucket{group=\"\",route=\"api\",le=\"0.05\"}")
            .contains("nexus_upstream_request_duration_seconds_count{upstream=\"api\"}"));
    }

    @Test
    void labelsNeverGrowWithRequestPathsOrMethods() throws Exception {
        for (int i = 0; i < 50; i++) {
            nexus.get("/random-" + i + "/x" + i);
            nexus.get("/api/item/" + i);
            TestGateway.send(nexus.request("/api/x").method("METHOD" + (char) ('A' + i % 26)));
        }
        String metrics = nexus.metrics();
        assertThat(labelValues(metrics, "nexus_requests_total", "route")).containsOnly("api", "unmatched");
        // Requests that matched no route observe into their group's histogram (route="").
        assertThat(labelValues(metrics, "nexus_request_duration_seconds_count", "route")).containsOnly("api", "");
        assertThat(labelValues(metrics, "nexus_requests_total", "method")).isSubsetOf(
            "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "OTHER");
        assertThat(metrics).doesNotContain("random-");
    }

    @Test
    void contractMetricsAndJvmMetricsAreExposedWithHelp() throws Exception {
        nexus.get("/api/x");
        String metrics = nexus.metrics();
        for (String name : new String[] {"nexus_requests_total", "nexus_request_duration_seconds",
            "nexus_upstream_request_duration_seconds", "nexus_inflight_requests", "nexus_rejected_requests_total",
            "nexus_middleware_failures_total"}) {
            assertThat(metrics).contains("# HELP " + name + " ");
        }
        assertThat(metrics).contains("jvm_memory_used_bytes").contains("jvm_threads_current").contains("jvm_gc_collection_seconds");
    }

    private static Set<String> labelValues(String metrics, String metric, String label) {
        Set<String> values = new TreeSet<>();
        Matcher matcher = Pattern.compile("^" + metric + "\\{([^}]*)}", Pattern.MULTILINE).matcher(metrics);
        while (matcher.find()) {
            Matcher value = Pattern.compile(label + "=\"([^\"]*)\"").matcher(matcher.group(1));
            if (value.find()) {
                values.add(value.group(1));
            }
        }
        return values;
    }
}
