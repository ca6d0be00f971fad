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

    @Test
    void aNewVersionWithTheSameShapeSharesTheLimiterUntilTheLastVersionRetires() {
        SlidingWindowLimiter first = limits.acquire(route("a", 10, Duration.ofSeconds(1)));
        SlidingWindowLimiter second = limits.acquire(route("a", 20, Duration.ofSeconds(1)));
        assertThat(second).isSameAs(first);
        limits.release("a", first);
        assertThat(limits.limiter("a")).containsSame(first);
        limits.release("a", second);
        assertThat(limits.limiter("a")).isEmpty();
    }

    @Test
    void aChangedShapeStartsANewLimiterAndTheOldVersionsRetirementLeavesItAlone() {
        SlidingWindowLimiter old = limits.acquire(route("b", 10, Duration.ofSeconds(1)));
        SlidingWindowLimiter changed = limits.acquire(route("b", 10, Duration.ofSeconds(2)));
        assertThat(changed).isNotSameAs(old);
        limits.release("b", old);
        assertThat(limits.limiter("b")).containsSame(changed);
    }

    @Test
    void routesAreKeptApart() {
        assertThat(limits.acquire(route("c", 1, Duration.ofSeconds(1))))
            .isNotSameAs(limits.acquire(route("d", 1, Duration.ofSeconds(1))));
    }
}
