package io.nexus.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.config.RateLimitSettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.config.RouteSettings.MatchKind;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RateLimitsTest {

    private final RateLimits limits = new RateLimits(() -> 0L);

    private static RouteSettings route(String name, int requests, Duration window) {
        RateLimitSettings settings = new RateLimitSettings(requests, window, RateLimitSettings.Key.ROUTE, Optional.empty(), List.of(), 1000);
        return new RouteSettings(name, "/" + name, MatchKind.PREFIX, "up", false, Set.of(), Optional.empty(), Optional.empty(),
            List.of("rate-limit"), Optional.empty(), Optional.empty(), Optional.of(settings), Optional.empty());
    }

    /** A local route's limiter: neither the scheduler nor the metrics are needed without Redis. */
    private SlidingWindowLimiter local(RouteSettings route) {
        return (SlidingWindowLimiter) limits.acquire(route, null, null);
    }

    @Test
    void aNewVersionWithTheSameShapeSharesTheLimiterUntilTheLastVersionRetires() {
        SlidingWindowLimiter first = local(route("a", 10, Duration.ofSeconds(1)));
        SlidingWindowLimiter second = local(route("a", 20, Duration.ofSeconds(1)));
        assertThat(second).isSameAs(first);
        limits.release(route("a", 10, Duration.ofSeconds(1)), first);
        assertThat(limits.limiter("a")).containsSame(first);
        limits.release(route("a", 20, Duration.ofSeconds(1)), second);
        assertThat(limits.limiter("a")).isEmpty();
    }

    @Test
    void aChangedShapeStartsANewLimiterAndTheOldVersionsRetirementLeavesItAlone() {
        SlidingWindowLimiter old = local(route("b", 10, Duration.ofSeconds(1)));
        SlidingWindowLimiter changed = local(route("b", 10, Duration.ofSeconds(2)));
        assertThat(changed).isNotSameAs(old);
        limits.release(route("b", 10, Duration.ofSeconds(1)), old);
        assertThat(limits.limiter("b")).containsSame(changed);
    }

    @Test
    void routesAreKeptApart() {
        assertThat(local(route("c", 1, Duration.ofSeconds(1))))
            .isNotSameAs(local(route("d", 1, Duration.ofSeconds(1))));
    }
}
