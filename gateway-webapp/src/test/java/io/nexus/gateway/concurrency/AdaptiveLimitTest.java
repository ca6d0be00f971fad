package io.nexus.gateway.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.config.AdaptiveConcurrencySettings;
import io.nexus.gateway.config.AdaptiveConcurrencySettings.Algorithm;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The algorithms over windows of samples, fed directly with a clock of the test's own (no HTTP
 * involved: the end-to-end behaviour is AdaptiveConcurrencyTest's).
 */
class AdaptiveLimitTest {

    private static final long MS = 1_000_000;

    /** Feeds {@code seconds} of samples 10 ms apart, each of {@code rttMillis}, at the limit's own concurrency. */
    private static long feed(AdaptiveLimit limit, long startNanos, int seconds, long rttMillis) {
        long start = startNanos;
        for (int i = 0; i < seconds * 100; i++) {
            limit.sample(start, rttMillis * MS, limit.limit(), false);
            start += 10 * MS;
        }
        return start;
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void risingLatencyLowersTheLimitToItsMinimumAndNoFurther(Algorithm algorithm) {
        AdaptiveLimit limit = AdaptiveLimit.of(new AdaptiveConcurrencySettings(true, algorithm, 12, 1000, 30));
        List<Integer> changes = new ArrayList<>();
        limit.onChange(changes::add);
        long now = feed(limit, 0, 2, 10);
        int steady = limit.limit();
        changes.clear();
        // Windows last twice their lowest latency here (0.8 s): Gradient2 falls up to 10% a
        // window, Vegas by log10(limit).
        feed(limit, now, 600, 400);
        assertThat(changes).isNotEmpty().allSatisfy(change -> assertThat(change).isBetween(12, 1000));
        assertThat(changes.stream().mapToInt(Integer::intValue).min()).hasValue(12);
        assertThat(steady).isGreaterThanOrEqualTo(30);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void steadyLatencyAtTheLimitRaisesItUpToItsMaximum(Algorithm algorithm) {
        AdaptiveLimit limit = AdaptiveLimit.of(new AdaptiveConcurrencySettings(true, algorithm, 10, 300, 50));
        feed(limit, 0, 600, 10);
        assertThat(limit.limit()).isEqualTo(300);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void theInitialLimitHoldsUntilAWindowIsComplete(Algorithm algorithm) {
        AdaptiveLimit limit = AdaptiveLimit.of(new AdaptiveConcurrencySettings(true, algorithm, 10, 1000, 123));
        limit.sample(0, 500 * MS, 123, true);
        assertThat(limit.limit()).isEqualTo(123);
    }
}
