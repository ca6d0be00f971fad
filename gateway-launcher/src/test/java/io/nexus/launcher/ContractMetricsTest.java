package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The scrape against the contract (CONTRACT.md, "Metrics"): every name there with its HELP and
 * exact label names, each family registered once, and series counts that stay put however many
 * different paths, methods and statuses clients send.
 */
class ContractMetricsTest {

    /** The contract's metrics with their label names (histograms add {@code le} to buckets). */
    private static final Map<String, Set<String>> CONTRACT = Map.ofEntries(
        Map.entry("nexus_requests_total", Set.of("route", "method", "code", "group")),
        Map.entry("nexus_request_duration_seconds", Set.of("route", "group")),
        Map.entry("nexus_upstream_request_duration_seconds", Set.of("upstream")),
        Map.entry("nexus_inflight_requests", Set.of()),
        Map.entry("nexus_rejected_requests_total", Set.of("reason")),
        Map.entry("nexus_config_reloads_total", Set.of("result")),
        Map.entry("nexus_config_version_info", Set.of("version", "sha256")),
        Map.entry("nexus_build_info", Set.of("version", "java", "jetty")),
        Map.entry("nexus_rate_limit_store_errors_total", Set.of()),
        Map.entry("nexus_circuit_breaker_state", Set.of("upstream", "state")),
        Map.entry("nexus_circuit_breaker_transitions_total", Set.of("upstream", "from", "to")),
        Map.entry("nexus_upstream_target_healthy", Set.of("upstream", "target")),
        Map.entry("nexus_rate_limited_total", Set.of("route")),
        Map.entry("nexus_middleware_failures_total", Set.of("middleware")));

    /**
     * Registered by the resilience branch (breakers, health checks, rate limits): checked like
     * the others when present, not required here.
     */
    private static final Set<String> OWNED_ELSEWHERE = Set.of("nexus_circuit_breaker_state",
        "nexus_circuit_breaker_transitions_total", "nexus_upstream_target_healthy", "nexus_rate_limited_total");

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{([^}]*)})? ", Pattern.MULTILINE);
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config("""
            nexus {
              upstreams { api { targets = [${upstreams.up}] } }
              routes = [{ name = "api", path = "/api", upstream = "api", strip-prefix = true, methods = [GET, POST] }]
            }
            """)
        .build();

    @Test
    void everyContractMetricOfThisBranchIsExposedOnceWithHelpAndItsLabels() throws Exception {
        nexus.get("/api/x");
        nexus.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_requests_total{"));
        String metrics = nexus.metrics();
        Map<String, Set<String>> labels = labelNames(metrics);
        for (Map.Entry<String, Set<String>> metric : CONTRACT.entrySet()) {
            String name = metric.getKey();
            String family = name.replaceAll("_(total|info)$", "");
            boolean present = metrics.contains("# TYPE " + family + " ") || metrics.contains("# TYPE " + name + " ");
            if (!present && OWNED_ELSEWHERE.contains(name)) {
                continue;
            }
            assertThat(present).as(name + " is exposed").isTrue();
            int help = count(metrics, "# HELP " + family + " ") + (family.equals(name) ? 0 : count(metrics, "# HELP " + name + " "));
            assertThat(help).as(name + " has exactly one HELP line").isEqualTo(1);
            String sampleName = labels.containsKey(name) ? name : name + "_count";
            if (labels.containsKey(sampleName)) {
                assertThat(labels.get(sampleName)).as(name + " label names").isEqualTo(metric.getValue());
            }
        }
    }

    @Test
    void everyGatewayMetricHasHelpAndJvmFiguresIncludeGcAndVirtualThreads() throws Exception {
        String metrics = nexus.metrics();
        Matcher type = Pattern.compile("^# TYPE (nexus_\\S+) ", Pattern.MULTILINE).matcher(metrics);
        int families = 0;
        while (type.find()) {
            families++;
            assertThat(metrics).as(type.group(1)).containsPattern("(?m)^# HELP " + Pattern.quote(type.group(1)) + " \\S");
        }
        assertThat(families).isGreaterThanOrEqualTo(8);
        assertThat(metrics).contains("jvm_gc_collection_seconds_count", "jvm_memory_used_bytes", "jvm_threads_current", "process_cpu_seconds_total");
        if (Runtime.version().feature() >= 24) {
            assertThat(metrics).contains("nexus_jvm_virtual_threads_mounted ", "nexus_jvm_virtual_threads_queued ",
                "nexus_jvm_virtual_thread_carriers ", "nexus_jvm_virtual_thread_parallelism ");
        }
    }

    @Test
    void seriesCountsDoNotGrowWithPathsMethodsOrStatuses() throws Exception {
        for (int i = 0; i < 20; i++) {
            nexus.get("/api/warmup/" + i);
        }
        nexus.awaitMetrics(metrics -> assertThat(value(metrics, "nexus_requests_total{code=\"200\",group=\"\",method=\"GET\",route=\"api\"}")).isGreaterThanOrEqualTo(20));
        Map<String, Integer> before = seriesCounts(nexus.metrics());
        for (int i = 0; i < 200; i++) {
            nexus.get("/api/item/" + i + "?q=" + i);
            nexus.get("/other-" + i);
            TestGateway.send(nexus.request("/api/m" + i).method("X" + (char) ('A' + i % 26) + i));
        }
        // Methods a route does not allow answer 405 from the unmatched meter, under OTHER.
        nexus.awaitMetrics(metrics -> assertThat(value(metrics, "nexus_requests_total{code=\"405\",group=\"\",method=\"OTHER\",route=\"unmatched\"}")).isEqualTo(200));
        Map<String, Integer> after = seriesCounts(nexus.metrics());
        // New (method, code) pairs may appear once, never one per request.
        after.forEach((name, count) -> {
            if (name.startsWith("nexus_") && !name.startsWith("nexus_jvm_")) {
                assertThat(count).as(name).isLessThanOrEqualTo(before.getOrDefault(name, 0) + 40);
            }
        });
        assertThat(after.get("nexus_requests_total")).isLessThan(20);
        assertThat(nexus.metrics()).doesNotContain("/api/item").doesNotContain("other-").doesNotContain("XA");
    }

    private static Map<String, Set<String>> labelNames(String metrics) {
        Map<String, Set<String>> names = new TreeMap<>();
        Matcher sample = SAMPLE.matcher(metrics);
        while (sample.find()) {
            Set<String> labels = names.computeIfAbsent(sample.group(1), k -> new TreeSet<>());
            if (sample.group(2) != null) {
                Matcher label = LABEL.matcher(sample.group(2));
                while (label.find()) {
                    if (!label.group(1).equals("le")) {
                        labels.add(label.group(1));
                    }
                }
            }
        }
        return names;
    }

    private static Map<String, Integer> seriesCounts(String metrics) {
        Map<String, Integer> counts = new TreeMap<>();
        Matcher sample = SAMPLE.matcher(metrics);
        while (sample.find()) {
            counts.merge(sample.group(1), 1, Integer::sum);
        }
        return counts;
    }

    private static double value(String metrics, String series) {
        Matcher line = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return line.find() ? Double.parseDouble(line.group(1)) : 0;
    }

    private static int count(String text, String needle) {
        int count = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            count++;
        }
        return count;
    }
}
