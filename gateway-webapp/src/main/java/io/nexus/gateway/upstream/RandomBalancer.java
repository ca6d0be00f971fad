package io.nexus.gateway.upstream;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Picks a random target; when it is unhealthy, walks on from there to the next healthy one. */
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
        int n = all.length;
        int start = ThreadLocalRandom.current().nextInt(n);
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
