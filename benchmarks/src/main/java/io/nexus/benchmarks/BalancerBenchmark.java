package io.nexus.benchmarks;

import io.nexus.gateway.upstream.Balancer;
import io.nexus.gateway.upstream.Target;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code Balancer.pick} over 8 targets shared by all threads (as one upstream's balancer is),
 * with every target healthy or with 2 of 8 unhealthy (the slow path that spreads their share).
 * Weighted targets have weights 1 to 4.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BalancerBenchmark {

    @Param({"round-robin", "random", "weighted-round-robin"})
    public String balancer;

    @Param({"0", "2"})
    public int unhealthy;

    Balancer picker;

    @Setup
    public void setUp() {
        List<Target> targets = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Target target = new Target(URI.create("http://10.0.0." + (i + 1) + ":8080"), i % 4 + 1);
            // Unhealthy targets are spread out rather than adjacent.
            target.setHealthy(!(unhealthy > 0 && i % (8 / unhealthy) == 1));
            targets.add(target);
        }
        picker = switch (balancer) {
            case "round-robin" -> Balancer.roundRobin(targets);
            case "random" -> Balancer.random(targets);
            case "weighted-round-robin" -> Balancer.weightedRoundRobin(targets);
            default -> throw new IllegalArgumentException(balancer);
        };
    }

    @Benchmark
    public Target pick() {
        return picker.pick();
    }
}
