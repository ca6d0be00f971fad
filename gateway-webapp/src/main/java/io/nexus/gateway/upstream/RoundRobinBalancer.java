package io.nexus.gateway.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Takes targets in turn; an unhealthy one hands its turn to the healthy ones evenly. */
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
        int ticket = next.getAndIncrement();
        // floorMod keeps the index in range after the counter wraps past Integer.MAX_VALUE.
        Target target = all[Math.floorMod(ticket, all.length)];
        return target.isHealthy() ? target : HealthyTargets.pick(all, ticket);
    }

    @Override
    public List<Target> targets() {
        return list;
    }
}
