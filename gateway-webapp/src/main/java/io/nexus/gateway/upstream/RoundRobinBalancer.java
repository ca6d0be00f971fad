package io.nexus.gateway.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Takes targets in turn, skipping unhealthy ones: at most one pass over the array per pick. */
final class RoundRobinBalancer implements Balancer {

    private final Target[] targets;
    private final List<Target> list;
    private final AtomicInteger next = new AtomicInteger();

    RoundRobinBalancer(List<Target> targets) {
        this.targets = targets.toArray(Target[]::new);
        this.list = List.copyOf(targets);
    }

    @Override
    public Target pick() {
        Target[] all = targets;
        int n = all.length;
        // floorMod keeps the start in range after the counter wraps past Integer.MAX_VALUE.
        int start = Math.floorMod(next.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            Target target = all[(start + i) % n];
            if (target.isHealthy()) {
                return target;
            }
        }
        return null;
    }

    @Override
    public List<Target> targets() {
        return list;
    }
}
