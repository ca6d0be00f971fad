package io.nexus.gateway.config;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Reads a {@code retries} block, a route's (over reference.conf's block template) or an
 * upstream's (merged over {@code upstream-defaults}): the same keys and rules in both places.
 */
final class RetrySettingsReader {

    static final String CONNECT_FAILURE = "connect-failure";
    static final String RESET = "reset";
    private static final Set<Integer> RETRYABLE_STATUSES = Set.of(502, 503, 504);

    private RetrySettingsReader() {
    }

    static RetrySettings read(Section s) {
        boolean connectFailure = false;
        boolean reset = false;
        Set<Integer> statuses = new LinkedHashSet<>();
        for (String condition : s.stringList("retry-on")) {
            if (condition.equals(CONNECT_FAILURE)) {
                connectFailure = true;
            } else if (condition.equals(RESET)) {
                reset = true;
            } else if (condition.matches("\\d{3}") && RETRYABLE_STATUSES.contains(Integer.parseInt(condition))) {
                statuses.add(Integer.parseInt(condition));
            } else {
                s.problem("retry-on", "bad condition \"" + condition + "\" (connect-failure, reset, 502, 503, 504)");
            }
        }
        return new RetrySettings(
            s.intBetween("attempts", 1, 10),
            connectFailure,
            statuses,
            s.intBetween("budget-percent", 0, 100),
            s.intBetween("min-retries", 0, 10_000),
            reset);
    }
}
