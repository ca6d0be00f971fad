package io.nexus.gateway.upstream;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Picks a target uniformly at random; when it is unhealthy, picks uniformly among the healthy ones. */
final class RandomBalancer implements Balancer {

    private final Target[] targets;
    private final List<Target> list;

    RandomBalancer(List<Target> targets) {
        this.targets = targets.toArray(Target[]::new);
        this.list = List.copyOf(targets);
    }

    @Override
    public Target pick() {
        Target[] all = targets;
        int ticket = ThreadLocalRandom.current().nextInt(all.length);
        Target target = all[ticket];
        return target.isHealthy() ? target : HealthyTargets.pick(all, ThreadLocalRandom.current().nextInt());
    }

    @Override
    public List<Target> targets() {
        return list;
    }
}
