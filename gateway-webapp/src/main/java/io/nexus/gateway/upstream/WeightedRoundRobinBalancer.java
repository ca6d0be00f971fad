package io.nexus.gateway.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Round-robin over a precomputed schedule in which each target appears as often as its weight,
 * spread out the way nginx's smooth weighted round-robin spreads them (weights 5,1,1 give
 * a a b a c a a, not a a a a a b c). Computing the schedule once keeps the pick to one
 * atomic increment; an unhealthy slot hands its turn to the healthy slots evenly.
 */
final class WeightedRoundRobinBalancer implements Balancer {

    private final Target[] schedule;
    private final List<Target> list;
    private final AtomicInteger next = new AtomicInteger();

    WeightedRoundRobinBalancer(List<Target> targets) {
        this.list = List.copyOf(targets);
        this.schedule = smoothSchedule(targets);
    }

    @Override
    public Target pick() {
        Target[] all = schedule;
        int ticket = next.getAndIncrement();
        // floorMod keeps the index in range after the counter wraps past Integer.MAX_VALUE.
        Target target = all[Math.floorMod(ticket, all.length)];
        return target.isHealthy() ? target : HealthyTargets.pick(all, ticket);
    }

    @Override
    public List<Target> targets() {
        return list;
    }

    private static Target[] smoothSchedule(List<Target> targets) {
        int gcd = 0;
        for (Target target : targets) {
            gcd = gcd(gcd, target.weight());
        }
        int[] weights = new int[targets.size()];
        int total = 0;
        for (int i = 0; i < weights.length; i++) {
            weights[i] = targets.get(i).weight() / gcd;
            total += weights[i];
        }
        int[] current = new int[weights.length];
        List<Target> slots = new ArrayList<>(total);
        for (int slot = 0; slot < total; slot++) {
            int best = 0;
            for (int i = 0; i < weights.length; i++) {
                current[i] += weights[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            slots.add(targets.get(best));
        }
        return slots.toArray(Target[]::new);
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
