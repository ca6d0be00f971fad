package io.nexus.launcher;

import io.nexus.gateway.testing.RecordingUpstream;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BalancingTest {

    static RecordingUpstream a;
    static RecordingUpstream b;
    static RecordingUpstream c;
    static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        a = RecordingUpstream.start("a");
        b = RecordingUpstream.start("b");
        c = RecordingUpstream.start("c");
        gateway = TestGateway.start("""
            nexus {
              upstreams {
                rr { targets = ["%1$s", "%2$s", "%3$s"] }
                weighted { targets = [{ url = "%1$s", weight = 3 }, { url = "%2$s", weight = 1 }], balancer = weighted-round-robin }
                random { targets = ["%1$s", "%2$s", "%3$s"], balancer = random }
              }
              routes = [
                { name = "rr", path = "/rr", upstream = "rr" }
                { name = "weighted", path = "/weighted", upstream = "weighted" }
                { name = "random", path = "/random", upstream = "random" }
              ]
            }
            """.formatted(a.url(), b.url(), c.url()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        a.close();
        b.close();
        c.close();
    }

    private static Map<String, Integer> spread(String path, int requests) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            counts.merge(gateway.get(path).getHeaders().get("X-Upstream"), 1, Integer::sum);
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
        var targets = gateway.gateway.gateway().snapshot().upstreams().get("rr").balancer().targets();
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
