package io.nexus.gateway.upstream;

import io.nexus.gateway.config.BalancerKind;
import java.util.List;

/**
 * Picks a healthy target for each request. Implementations are lock-free and read each
 * target's health flag at pick time, so a flag flipping under them never breaks a pick.
 */
public interface Balancer {

    /** A healthy target, or {@code null} when none is healthy. */
    Target pick();

    /** The targets this balancer picks from, in config order. */
    List<Target> targets();

    static Balancer of(BalancerKind kind, List<Target> targets) {
        return switch (kind) {
            case ROUND_ROBIN -> roundRobin(targets);
            case RANDOM -> random(targets);
            case WEIGHTED_ROUND_ROBIN -> weightedRoundRobin(targets);
            case LEAST_REQUEST -> leastRequest(targets);
            case P2C_EWMA -> peakEwma(targets);
        };
    }

    static Balancer roundRobin(List<Target> targets) {
        return new RoundRobinBalancer(targets);
    }

    static Balancer random(List<Target> targets) {
        return new RandomBalancer(targets);
    }

    static Balancer weightedRoundRobin(List<Target> targets) {
        return new WeightedRoundRobinBalancer(targets);
    }

    /** Power of two choices on attempts in flight, per unit of weight. */
    static Balancer leastRequest(List<Target> targets) {
        return new LeastRequestBalancer(targets);
    }

    /** Power of two choices on peak-EWMA latency times attempts in flight. */
    static Balancer peakEwma(List<Target> targets) {
        return new PeakEwmaBalancer(targets);
    }
}
