package io.nexus.gateway.upstream;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The power of two choices (Mitzenmacher): draw two different targets at random, each with a
 * probability proportional to its weight, and take the one with the lower load; on a tie, the
 * first drawn. Two random candidates avoid both the herd that "always the least loaded" sends to
 * one target between updates and the cost of scanning every target per request. Under light
 * load (every load 0) the first draw decides, so shares follow the weights.
 *
 * <p>An unhealthy candidate gives way to the other; when both are unhealthy, the least loaded
 * healthy target of all is taken (a scan, only then), {@code null} when none is healthy.
 */
abstract class PowerOfTwoChoicesBalancer implements Balancer {

    private final Target[] targets;
    private final List<Target> list;
    /** Weight of each target over the weights' greatest common divisor. */
    private final int[] weights;
    /** {@code ends[i]}: the sum of the weights of targets 0..i; a draw in [ends[i-1], ends[i]) is target i. */
    private final int[] ends;
    private final int total;
    private final boolean uniform;

    PowerOfTwoChoicesBalancer(List<Target> targets) {
        this.targets = targets.toArray(Target[]::new);
        this.list = List.copyOf(targets);
        int gcd = 0;
        for (Target target : targets) {
            gcd = gcd(gcd, target.weight());
        }
        weights = new int[this.targets.length];
        ends = new int[this.targets.length];
        int sum = 0;
        for (int i = 0; i < weights.length; i++) {
            weights[i] = this.targets[i].weight() / gcd;
            sum += weights[i];
            ends[i] = sum;
        }
        total = sum;
        uniform = total == weights.length;
    }

    /** A target's load if it got one more request; the lower wins. */
    abstract double load(Target target, long nowNanos);

    @Override
    public Target pick() {
        Target[] all = targets;
        if (all.length == 1) {
            return all[0].isHealthy() ? all[0] : null;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int first = index(random.nextInt(total));
        // The second from the others: a draw over the remaining weight, stepping over the first's range.
        int draw = random.nextInt(total - weights[first]);
        int second = index(draw >= ends[first] - weights[first] ? draw + weights[first] : draw);
        Target a = all[first];
        Target b = all[second];
        boolean aHealthy = a.isHealthy();
        boolean bHealthy = b.isHealthy();
        if (aHealthy && bHealthy) {
            long now = System.nanoTime();
            return load(b, now) < load(a, now) ? b : a;
        }
        if (aHealthy || bHealthy) {
            return aHealthy ? a : b;
        }
        return leastLoadedHealthy(all);
    }

    private int index(int draw) {
        if (uniform) {
            return draw;
        }
        int low = 0;
        int high = ends.length - 1;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (ends[middle] > draw) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        return low;
    }

    private Target leastLoadedHealthy(Target[] all) {
        long now = System.nanoTime();
        Target best = null;
        double bestLoad = Double.MAX_VALUE;
        for (Target target : all) {
            if (target.isHealthy()) {
                double load = load(target, now);
                if (best == null || load < bestLoad) {
                    best = target;
                    bestLoad = load;
                }
            }
        }
        return best;
    }

    @Override
    public List<Target> targets() {
        return list;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
