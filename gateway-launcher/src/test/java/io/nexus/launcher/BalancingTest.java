package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class BalancingTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("a")
        .recordingUpstream("b")
        .recordingUpstream("c")
        .config("""
            nexus {
              upstreams {
                rr { targets = [${upstreams.a}, ${upstreams.b}, ${upstreams.c}] }
                weighted { targets = [{ url = ${upstreams.a}, weight = 3 }, { url = ${upstreams.b}, weight = 1 }], balancer = weighted-round-robin }
                random { targets = [${upstreams.a}, ${upstreams.b}, ${upstreams.c}], balancer = random }
              }
              routes = [
                { name = "rr", path = "/rr", upstream = "rr" }
                { name = "weighted", path = "/weighted", upstream = "weighted" }
                { name = "random", path = "/random", upstream = "random" }
              ]
            }
            """)
        .build();

    private static Map<String, Integer> spread(String path, int requests) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            counts.merge(nexus.get(path).getHeaders().get("X-Upstream"), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void roundRobinSpreadsEvenly() throws Exception {
        assertThat(spread("/rr", 30)).containsOnly(Map.entry("a", 10), Map.entry("b", 10), Map.entry("c", 10));
    }

    @Test
    void weightedRoundRobinFollowsWeights() throws Exception {
        assertThat(spread("/weighted", 40)).containsOnly(Map.entry("a", 30), Map.entry("b", 10));
    }

    @Test
    void randomReachesEveryTarget() throws Exception {
        Map<String, Integer> counts = spread("/random", 150);
        assertThat(counts).containsOnlyKeys("a", "b", "c");
        // 150 uniform picks over 3 targets: each gets 50 on average; below 20 is a broken balancer
        // (the chance of that by luck is far below one in a million).
        assertThat(counts.values()).allSatisfy(count -> assertThat(count).isGreaterThan(20));
    }

    @Test
    void unhealthyTargetIsSkipped() throws Exception {
        var targets = nexus.gateway().targets("rr");
        targets.get(1).setHealthy(false);
        try {
            // b's turns go to a and c alike, not all to its neighbour c.
            Map<String, Integer> counts = spread("/rr", 60);
            assertThat(counts).containsOnlyKeys("a", "c");
            assertThat(counts.get("a")).isBetween(29, 31);
        } finally {
            targets.get(1).setHealthy(true);
        }
    }
}
