package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexus.launcher.ObservabilityFiles.Result;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The shipped rule files pass {@code promtool}, and the dashboard only reads series that exist. */
class AlertRulesTest {

    /** Every series the dashboard may read: the contract's metrics, ours, the rules' and the JVM's. */
    private static final Set<String> KNOWN_PREFIXES = Set.of("nexus_", "nexus:", "jvm_", "process_");

    @Test
    @Tag("prometheus")
    void ruleFilesPassPromtoolCheck() throws Exception {
        Result result = ObservabilityFiles.run(ObservabilityFiles.command(ObservabilityFiles.binary("promtool"), "check", "rules",
            ObservabilityFiles.RECORDING_RULES.toString(), ObservabilityFiles.ALERT_RULES.toString()), 60);
        assertThat(result.exitCode()).as(result.output()).isZero();
    }

    @Test
    @Tag("prometheus")
    void everyAlertFiresAndStaysQuietInPromtoolUnitTests() throws Exception {
        Result result = ObservabilityFiles.run(ObservabilityFiles.command(ObservabilityFiles.binary("promtool"), "test", "rules",
            ObservabilityFiles.RULE_TESTS.toString()), 120);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertHasAUnitTest() throws Exception {
        Set<String> alerts = matches(Files.readString(ObservabilityFiles.ALERT_RULES), "- alert: (\\w+)");
        Set<String> tested = matches(Files.readString(ObservabilityFiles.RULE_TESTS), "alertname: (\\w+)");
        assertThat(alerts).contains("HighErrorRate", "HighLatency", "GatewayOverloaded", "RateLimitSpike", "CircuitBreakerOpen", "ConfigReloadFailure", "NexusConfigGuardRollback",
            "TlsCertificateExpiringSoon", "AvailabilityBurnRateFast", "AvailabilityBurnRateSlow", "LatencyBurnRateFast", "LatencyBurnRateSlow");
        assertThat(tested).containsAll(alerts);
    }

    @Test
    void dashboardIsGrafanaJsonReadingKnownSeriesOnly() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(ObservabilityFiles.DASHBOARD.toFile());
        assertThat(dashboard.path("uid").asText()).isEqualTo("nexus-gateway");
        List<String> expressions = dashboardExpressions(dashboard);
        assertThat(expressions).hasSizeGreaterThan(20);
        Set<String> series = new TreeSet<>();
        for (String expression : expressions) {
            series.addAll(matches(expression, "\\b((?:nexus|jvm|process)[a-z_:]*)\\b"));
        }
        assertThat(series).allSatisfy(name -> assertThat(KNOWN_PREFIXES).anySatisfy(name::startsWith));
        // The panels the issue asks for, by the series they read.
        assertThat(series).contains("nexus_requests_total", "nexus_request_duration_seconds_bucket", "nexus_inflight_requests",
            "nexus_rejected_requests_total", "nexus_circuit_breaker_state", "nexus_rate_limited_total", "nexus_config_version_info",
            "nexus_config_reloads_total", "jvm_memory_used_bytes", "jvm_gc_collection_seconds_sum");
    }

    /** Every PromQL expression of the dashboard's panels. */
    static List<String> dashboardExpressions(JsonNode dashboard) {
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                expressions.add(target.path("expr").asText());
            }
        }
        return expressions;
    }

    private static Set<String> matches(String text, String regex) {
        Set<String> found = new TreeSet<>();
        Matcher matcher = Pattern.compile(regex).matcher(text);
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        return found;
    }
}
