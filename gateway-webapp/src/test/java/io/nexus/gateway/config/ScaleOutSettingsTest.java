package io.nexus.gateway.config;

import static io.nexus.gateway.config.ConfigLoaderTest.parse;
import static io.nexus.gateway.config.ConfigLoaderTest.problems;
import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.config.AdaptiveConcurrencySettings.Algorithm;
import org.junit.jupiter.api.Test;

/** {@code server.adaptive-concurrency} and the load-aware balancers: parsed, defaulted, and refused with file, line and key. */
class ScaleOutSettingsTest {

    @Test
    void adaptiveConcurrencyIsOffByDefault() throws Exception {
        assertThat(parse("nexus {}").startup().adaptiveConcurrency())
            .isEqualTo(new AdaptiveConcurrencySettings(false, Algorithm.GRADIENT2, 20, 10_000, 200));
    }

    @Test
    void adaptiveConcurrencyKeysAreParsed() throws Exception {
        GatewayConfig config = parse("""
            nexus.server.adaptive-concurrency { enabled = true, algorithm = vegas, min-limit = 5, max-limit = 500, initial-limit = 50 }
            """);
        assertThat(config.startup().adaptiveConcurrency()).isEqualTo(new AdaptiveConcurrencySettings(true, Algorithm.VEGAS, 5, 500, 50));
    }

    @Test
    void adaptiveConcurrencyValuesAreValidated() {
        assertThat(problems("""
            nexus {
              server.adaptive-concurrency {
                algorithm = aimd
                min-limit = 0
                enabled = maybe
              }
            }
            """)).containsExactlyInAnyOrder(
            "server.adaptive-concurrency.algorithm: unknown algorithm \"aimd\" (gradient2, vegas) (gateway.conf:3)",
            "server.adaptive-concurrency.min-limit: must be between 1 and 1000000, was 0 (gateway.conf:4)",
            "server.adaptive-concurrency.enabled: enabled has type STRING rather than BOOLEAN (gateway.conf:5)");
    }

    @Test
    void adaptiveConcurrencyBoundsMustBeOrdered() {
        assertThat(problems("""
            nexus.server.adaptive-concurrency {
              min-limit = 50
              max-limit = 40
            }
            """)).containsExactly("server.adaptive-concurrency.max-limit: must be at least min-limit (50), was 40 (gateway.conf:3)");
        assertThat(problems("""
            nexus.server.adaptive-concurrency {
              min-limit = 50
              initial-limit = 10
            }
            """)).containsExactly(
            "server.adaptive-concurrency.initial-limit: must be between min-limit and max-limit (50 to 10000), was 10 (gateway.conf:3)");
    }

    @Test
    void loadAwareBalancersAreNamedInTheConfig() throws Exception {
        GatewayConfig config = parse("""
            nexus.upstreams {
              a { targets = ["http://127.0.0.1:9000"], balancer = least-request }
              b { targets = ["http://127.0.0.1:9000"], balancer = p2c-ewma }
            }
            """);
        assertThat(config.upstreams().get("a").balancer()).isEqualTo(BalancerKind.LEAST_REQUEST);
        assertThat(config.upstreams().get("b").balancer()).isEqualTo(BalancerKind.P2C_EWMA);
        assertThat(problems("""
            nexus.upstreams {
              a { targets = ["http://127.0.0.1:9000"], balancer = least-connections }
            }
            """)).containsExactly("upstreams.a.balancer: unknown balancer \"least-connections\" "
            + "(round-robin, random, weighted-round-robin, least-request, p2c-ewma) (gateway.conf:2)");
    }
}
