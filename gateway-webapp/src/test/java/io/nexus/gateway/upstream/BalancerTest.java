package io.nexus.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class BalancerTest {

    static List<Target> targets(int... weights) {
        List<Target> targets = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            targets.add(new Target(URI.create("http://10.0.0." + (i + 1) + ":80"), weights[i]));
        }
        return targets;
    }

    static Map<Target, Integer> spread(Balancer balancer, int picks) {
        Map<Target, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            counts.merge(balancer.pick(), 1, Integer::sum);
        }
        return counts;
    }

    static List<Arguments> balancers() {
        return List.of(
            Arguments.of("round-robin", (Function<List<Target>, Balancer>) Balancer::roundRobin),
            Arguments.of("random", (Function<List<Target>, Balancer>) Balancer::random),
            Arguments.of("weighted-round-robin", (Function<List<Target>, Balancer>) Balancer::weightedRoundRobin),
            Arguments.of("least-request", (Function<List<Target>, Balancer>) Balancer::leastRequest),
            Arguments.of("p2c-ewma", (Function<List<Target>, Balancer>) Balancer::peakEwma));
    }

    @Test
    void roundRobinTakesTurns() {
        List<Target> targets = targets(1, 1, 1);
        Balancer balancer = Balancer.roundRobin(targets);
        assertThat(List.of(balancer.pick(), balancer.pick(), balancer.pick(), balancer.pick()))
            .containsExactly(targets.get(0), targets.get(1), targets.get(2), targets.get(0));
    }

    @Test
    void weightedRoundRobinIsSmooth() {
        List<Target> targets = targets(5, 1, 1);
        Balancer balancer = Balancer.weightedRoundRobin(targets);
        List<Target> picks = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            picks.add(balancer.pick());
        }
        Target a = targets.get(0);
        Target b = targets.get(1);
        Target c = targets.get(2);
        assertThat(picks).containsExactly(a, a, b, a, c, a, a);
    }

    @Test
    void weightsReduceByTheirGreatestCommonDivisor() {
        List<Target> targets = targets(200, 100);
        assertThat(spread(Balancer.weightedRoundRobin(targets), 300))
            .containsEntry(targets.get(0), 200).containsEntry(targets.get(1), 100);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("balancers")
    void picksOnlyHealthyTargetsAndNullWhenNoneIs(String name, Function<List<Target>, Balancer> factory) {
        List<Target> targets = targets(1, 2, 3);
        Balancer balancer = factory.apply(targets);
        targets.get(1).setHealthy(false);
        assertThat(spread(balancer, 300)).containsOnlyKeys(targets.get(0), targets.get(2));
        targets.forEach(target -> target.setHealthy(false));
        assertThat(balancer.pick()).isNull();
        targets.get(2).setHealthy(true);
        assertThat(balancer.pick()).isSameAs(targets.get(2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("balancers")
    void survivesCounterOverflow(String name, Function<List<Target>, Balancer> factory) throws Exception {
        List<Target> targets = targets(1, 1, 1);
        Balancer balancer = factory.apply(targets);
        if (balancer instanceof RoundRobinBalancer || balancer instanceof WeightedRoundRobinBalancer) {
            var field = balancer.getClass().getDeclaredField("next");
            field.setAccessible(true);
            ((java.util.concurrent.atomic.AtomicInteger) field.get(balancer)).set(Integer.MAX_VALUE - 2);
        }
        for (int i = 0; i < 10; i++) {
            assertThat(balancer.pick()).isIn(targets);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("balancers")
    void concurrentHealthFlipsNeverBreakAPick(String name, Function<List<Target>, Balancer> factory) throws Exception {
        List<Target> targets = targets(1, 2, 3, 4, 5);
        Balancer balancer = factory.apply(targets);
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch started = new CountDownLatch(5);
        ExecutorService threads = Executors.newFixedThreadPool(5);
        try {
            Future<?> flipper = threads.submit(() -> {
                started.countDown();
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (running.get()) {
                    targets.get(random.nextInt(targets.size())).setHealthy(random.nextBoolean());
                }
            });
            List<Future<Long>> pickers = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                pickers.add(threads.submit(() -> {
                    started.countDown();
                    long picked = 0;
                    for (int i = 0; i < 50_000; i++) {
                        Target target = balancer.pick();
                        if (target != null) {
                            if (!targets.contains(target)) {
                                throw new AssertionError("picked a foreign target " + target);
                            }
                            picked++;
                        }
                    }
                    return picked;
                }));
            }
            long total = 0;
            for (Future<Long> picker : pickers) {
                total += picker.get(60, TimeUnit.SECONDS);
            }
            running.set(false);
            flipper.get(10, TimeUnit.SECONDS);
            assertThat(total).isPositive();
        } finally {
            running.set(false);
            threads.shutdownNow();
        }
    }
}
