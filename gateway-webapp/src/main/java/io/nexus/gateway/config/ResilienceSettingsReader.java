package io.nexus.gateway.config;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/** Reads the resilience settings of upstreams ({@code health-check}, {@code circuit-breaker}) and routes ({@code retries}). */
final class ResilienceSettingsReader {

    private static final Set<Integer> RETRYABLE_STATUSES = Set.of(502, 503, 504);

    private ResilienceSettingsReader() {
    }

    static HealthCheckSettings healthCheck(Section upstream) {
        Section section = upstream.section("health-check");
        Section active = section.section("active");
        Set<Integer> statuses = new LinkedHashSet<>();
        for (String status : active.stringList("expected-statuses")) {
            try {
                int code = Integer.parseInt(status.trim());
                if (code < 100 || code > 599) {
                    throw new NumberFormatException();
                }
                statuses.add(code);
            } catch (NumberFormatException e) {
                active.problem("expected-statuses", "bad status \"" + status + "\" (100 to 599)");
            }
        }
        if (statuses.isEmpty()) {
            statuses.add(200);
        }
        String path = active.string("path", "/health");
        if (path != null && !path.startsWith("/")) {
            active.problem("path", "must start with /");
        }
        HealthCheckSettings.Active activeSettings = new HealthCheckSettings.Active(
            active.bool("enabled", false),
            path,
            active.duration("interval", Duration.ofMillis(100), Duration.ofSeconds(5)),
            active.duration("timeout", Duration.ofMillis(10), Duration.ofSeconds(2)),
            statuses,
            active.intBetween("healthy-threshold", 1, 100, 2),
            active.intBetween("unhealthy-threshold", 1, 100, 3));
        active.finish();
        Section passive = section.section("passive");
        HealthCheckSettings.Passive passiveSettings = new HealthCheckSettings.Passive(
            passive.bool("enabled", true),
            passive.intBetween("consecutive-failures", 1, 1000, 5),
            passive.duration("ejection-time", Duration.ofMillis(10), Duration.ofSeconds(30)),
            passive.duration("max-ejection-time", Duration.ofMillis(10), Duration.ofMinutes(5)),
            passive.intBetween("max-ejection-percent", 0, 100, 50));
        passive.finish();
        section.finish();
        return new HealthCheckSettings(activeSettings, passiveSettings);
    }

    static CircuitBreakerSettings circuitBreaker(Section upstream) {
        Section s = upstream.section("circuit-breaker");
        CircuitBreakerSettings settings = new CircuitBreakerSettings(
            s.bool("enabled", true),
            s.intBetween("failure-rate-threshold", 1, 100, 50),
            s.intBetween("slow-call-rate-threshold", 1, 100, 100),
            s.duration("slow-call-duration", Duration.ofMillis(1), Duration.ofSeconds(10)),
            s.intBetween("sliding-window-size", 1, 100_000, 100),
            s.intBetween("minimum-calls", 1, 100_000, 20),
            s.duration("wait-in-open", Duration.ofMillis(1), Duration.ofSeconds(30)),
            s.intBetween("permitted-calls-in-half-open", 1, 1000, 5));
        s.finish();
        return settings;
    }

    static Optional<RetrySettings> retries(Section route) {
        if (!route.has("retries")) {
            return Optional.empty();
        }
        Section s = route.section("retries");
        boolean connectFailure = false;
        Set<Integer> statuses = new LinkedHashSet<>();
        for (String condition : s.has("retry-on") ? s.stringList("retry-on") : java.util.List.of("connect-failure", "502", "503", "504")) {
            if (condition.equals("connect-failure")) {
                connectFailure = true;
            } else if (condition.matches("\\d{3}") && RETRYABLE_STATUSES.contains(Integer.parseInt(condition))) {
                statuses.add(Integer.parseInt(condition));
            } else {
                s.problem("retry-on", "bad condition \"" + condition + "\" (connect-failure, 502, 503, 504)");
            }
        }
        RetrySettings settings = new RetrySettings(
            s.intBetween("attempts", 1, 10, 2),
            connectFailure,
            statuses,
            s.intBetween("budget-percent", 0, 100, 20),
            s.intBetween("min-retries", 0, 10_000, 10));
        s.finish();
        return Optional.of(settings);
    }
}
