package io.nexus.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code nexus.redis} and a rate limit's {@code scope}. */
class RedisSettingsReaderTest {

    private static String config(String redis, String scope) {
        return """
            nexus {
              redis { %s }
              upstreams { api { targets = ["http://127.0.0.1:1"] } }
              routes = [{ name = "api", path = "/", upstream = "api",
                          rate-limit { requests = 5, %s } }]
            }
            """.formatted(redis, scope);
    }

    private static RateLimitSettings limit(String redis, String scope, Map<String, String> environment) throws InvalidConfigException {
        return ConfigLoader.parse(config(redis, scope), "gateway.conf", environment).routes().get(0).rateLimit().orElseThrow();
    }

    private static List<String> problems(String redis, String scope) {
        try {
            ConfigLoader.parse(config(redis, scope), "gateway.conf", Map.of());
        } catch (InvalidConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
        throw new AssertionError("config was accepted: " + redis + " / " + scope);
    }

    @Test
    void aClusterScopeCarriesTheRedisSettingsAndALocalOneDoesNot() throws Exception {
        RateLimitSettings cluster = limit("uris = [\"redis://10.0.0.1:7000\", \"redis://10.0.0.2:7000\"], cluster = true, timeout = 20ms",
            "scope = cluster", Map.of("NEXUS_REDIS_PASSWORD", "s3cret"));
        assertThat(cluster.redis()).contains(new RedisSettings(List.of(URI.create("redis://10.0.0.1:7000"), URI.create("redis://10.0.0.2:7000")),
            true, Duration.ofMillis(20), Optional.of("s3cret")));
        assertThat(cluster.redis().orElseThrow().toString()).doesNotContain("s3cret");
        assertThat(limit("", "key = route", Map.of()).redis()).isEmpty();
        assertThat(limit("", "scope = local", Map.of()).redis()).isEmpty();
        assertThat(limit("", "scope = cluster", Map.of()).redis().orElseThrow())
            .isEqualTo(new RedisSettings(List.of(URI.create("redis://127.0.0.1:6379")), false, Duration.ofMillis(50), Optional.empty()));
    }

    @Test
    void thePasswordIsRedactedInTheRenderedConfig() throws Exception {
        GatewayConfig config = ConfigLoader.parse(config("", "scope = cluster"), "gateway.conf", Map.of("NEXUS_REDIS_PASSWORD", "s3cret"));
        assertThat(config.redacted()).doesNotContain("s3cret").contains("password=\"<redacted>\"");
    }

    @Test
    void badValuesNameTheirKeyFileAndLine() {
        assertThat(problems("uris = [\"http://127.0.0.1:6379\", \"redis://:pw@127.0.0.1:6379\"], timeout = 11s, cluster = maybe",
            "scope = global"))
            .containsExactlyInAnyOrder(
                "redis.uris: must be redis://host:port or rediss://host:port, was \"http://127.0.0.1:6379\" (gateway.conf:2)",
                "redis.uris: must not carry credentials (set nexus.redis.password, e.g. from NEXUS_REDIS_PASSWORD), was a URI with user info (gateway.conf:2)",
                "redis.timeout: must be at most 10s (requests wait this long for Redis), was 11000ms (gateway.conf:2)",
                "redis.cluster: cluster has type STRING rather than BOOLEAN (gateway.conf:2)",
                "routes[0].rate-limit.scope: must be local or cluster, was \"global\" (gateway.conf:5)");
        assertThat(problems("uris = []", "scope = cluster"))
            .containsExactly("redis.uris: must name at least one redis:// or rediss:// URI (gateway.conf:2)");
        assertThat(problems("port = 6379", "scope = cluster")).containsExactly("redis.port: unknown key (gateway.conf:2)");
    }
}
