package io.nexus.gateway.upstream;

import static io.nexus.gateway.upstream.BalancerTest.spread;
import static io.nexus.gateway.upstream.BalancerTest.targets;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PowerOfTwoChoicesBalancerTest {

    @Test
    void leastRequestAvoidsTheBusiestTarget() {
        List<Target> targets = targets(1, 1, 1);
        for (int i = 0; i < 5; i++) {
            targets.get(0).attemptStarted();
        }
        // Every pair holding the busy target prefers the other one: it is never picked.
        assertThat(spread(Balancer.leastRequest(targets), 3000)).doesNotContainKey(targets.get(0));
    }

    @Test
    void leastRequestFollowsWeightsWhileNothingIsInFlight() {
        List<Target> targets = targets(3, 1);
        Map<Target, Integer> counts = spread(Balancer.leastRequest(targets), 10_000);
        // The first draw decides a tie: 3:1 by weight, 7,500 expected, sd ~43.
        assertThat(counts.get(targets.get(0))).isBetween(7_200, 7_800);
    }

    @Test
    void leastRequestWeighsInFlightAttemptsByWeight() {
        List<Target> targets = targets(4, 1);
        // 3 in flight on the heavy target is 0.75 per unit of weight, 1 on the light one is 1.
        for (int i = 0; i < 3; i++) {
            targets.get(0).attemptStarted();
        }
        targets.get(1).attemptStarted();
        assertThat(spread(Balancer.leastRequest(targets), 1000)).containsOnlyKeys(targets.get(0));
    }

    @Test
    void peakEwmaPrefersTheFastTargetAndForgetsSlowly() {
        List<Target> targets = targets(1, 1, 1);
        targets.get(0).attemptStarted();
        targets.get(0).attemptEnded(200_000_000);
        targets.get(1).attemptStarted();
        targets.get(1).attemptEnded(2_000_000);
        targets.get(2).attemptStarted();
        targets.get(2).attemptEnded(3_000_000);
        assertThat(spread(Balancer.peakEwma(targets), 3000)).doesNotContainKey(targets.get(0));
        // Decayed over the time since the sample, never below 0.
        long now = System.nanoTime();
        assertThat(targets.get(0).latencyNanos(now)).isBetween(150_000_000.0, 200_000_000.0);
        assertThat(targets.get(0).latencyNanos(now + 3 * PeakEwma.DECAY_NANOS)).isLessThan(200_000_000 * 0.06);
    }

    @Test
    void peakEwmaJumpsToAPeakAndEasesDownFromIt() {
        Target target = targets(1).get(0);
        target.attemptStarted();
        target.attemptEnded(10_000_000);
        target.attemptStarted();
        target.attemptEnded(100_000_000);
        long now = System.nanoTime();
        assertThat(target.latencyNanos(now)).isGreaterThan(99_000_000.0);
        for (int i = 0; i < 20; i++) {
            target.attemptStarted();
            target.attemptEnded(10_000_000);
        }
        // Samples in quick succession barely move a peak: the weight of the past is exp(-elapsed / 10 s).
        assertThat(target.latencyNanos(System.nanoTime())).isGreaterThan(50_000_000.0);
    }

    @Test
    void peakEwmaPenalizesATargetWithNoLatencyYetButRequestsInFlight() {
        List<Target> targets = targets(1, 1);
        targets.get(0).attemptStarted();
        targets.get(1).attemptStarted();
        targets.get(1).attemptEnded(500_000_000);
        assertThat(spread(Balancer.peakEwma(targets), 100)).containsOnlyKeys(targets.get(1));
        targets.get(0).attemptEnded(-1);
        assertThat(targets.get(0).inflight()).isZero();
        assertThat(spread(Balancer.peakEwma(targets), 100)).containsOnlyKeys(targets.get(0));
    }

    @Test
    void unhealthyCandidatesGiveWayAndTwoOfThemFallBackToTheLeastLoadedHealthyTarget() {
        List<Target> targets = targets(1, 1, 1, 1);
        targets.get(0).setHealthy(false);
        targets.get(1).setHealthy(false);
        targets.get(2).attemptStarted();
        Map<Target, Integer> counts = spread(Balancer.leastRequest(targets), 6000);
        // Of the six pairs, target 3 wins {0,3}, {1,3}, {2,3} and the scan after {0,1}; target 2 only {0,2} and {1,2}.
        assertThat(counts).containsOnlyKeys(targets.get(2), targets.get(3));
        assertThat(counts.get(targets.get(3))).isBetween(3_700, 4_300);
    }
}
