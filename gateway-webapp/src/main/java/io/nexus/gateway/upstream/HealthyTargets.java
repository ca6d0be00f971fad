package io.nexus.gateway.upstream;

/**
 * The slow path of every balancer, taken only when the target it landed on is unhealthy:
 * choose among the healthy targets alone, so that an ejected target's share spreads over all
 * the others instead of doubling the load of its neighbour.
 */
final class HealthyTargets {

    private HealthyTargets() {
    }

    /**
     * The {@code (ticket mod healthy)}-th healthy target of {@code all}, or {@code null} when
     * none is healthy. Flags may flip during the two passes; the result is then still a
     * target that was healthy when read, or {@code null}, and never an index out of range.
     */
    static Target pick(Target[] all, int ticket) {
        int healthy = 0;
        for (Target target : all) {
            if (target.isHealthy()) {
                healthy++;
            }
        }
        if (healthy == 0) {
            return null;
        }
        int wanted = Math.floorMod(ticket, healthy);
        Target last = null;
        for (Target target : all) {
            if (target.isHealthy()) {
                last = target;
                if (wanted-- == 0) {
                    return target;
                }
            }
        }
        return last;
    }
}
