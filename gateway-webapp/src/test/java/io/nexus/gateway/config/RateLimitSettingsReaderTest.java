package io.nexus.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.config.RateLimitSettings.Key;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RateLimitSettingsReaderTest {

    private static String config(String rateLimit) {
        return """
            nexus {
              upstreams { api { targets = ["http://127.0.0.1:1"] } }
              routes = [{ name = "api", path = "/", upstream = "api",
                          %s }]
            }
            """.formatted(rateLimit);
    }

    private static RouteSettings route(String rateLimit) throws InvalidConfigException {
        return ConfigLoader.parse(config(rateLimit), "gateway.conf", Map.of()).routes().get(0);
    }

    private static List<String> problems(String rateLimit) {
        try {
            ConfigLoader.parse(config(rateLimit), "gateway.conf", Map.of());
        } catch (InvalidConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
        throw new AssertionError("config was accepted: " + rateLimit);
    }

    @Test
    void theContractsExampleParsesAndAddsTheMiddleware() throws Exception {
        RouteSettings route = route("rate-limit { requests = 100, window = 1s, key = client-ip }");
        assertThat(route.middlewares()).containsExactly("rate-limit");
        assertThat(route.rateLimit()).contains(new RateLimitSettings(100, Duration.ofSeconds(1), Key.CLIENT_IP,
            Optional.empty(), List.of(), 100_000));
    }

    @Test
    void everyKnobIsRead() throws Exception {
        RouteSettings route = route("""
            rate-limit { requests = 5, window = 250ms, key = client-ip, trusted-proxies = ["10.0.0.0/8", "fd00::/8"], max-keys = 5000 }""");
        assertThat(route.rateLimit().orElseThrow()).isEqualTo(new RateLimitSettings(5, Duration.ofMillis(250), Key.CLIENT_IP,
            Optional.empty(), List.of("10.0.0.0/8", "fd00::/8"), 5000));
        assertThat(route("rate-limit { requests = 5, key = header, header = X-API-Key }").rateLimit().orElseThrow().header())
            .contains("X-API-Key");
        assertThat(problems("rate-limit { requests = 5, key = subject }"))
            .containsExactly("routes[0].rate-limit: key = subject needs the route's auth: the subject is the authenticated identity (gateway.conf:4)");
        assertThat(route("rate-limit { requests = 5, key = route }").rateLimit().orElseThrow().key()).isEqualTo(Key.ROUTE);
    }

    @Test
    void badValuesNameTheirKeyFileAndLine() {
        assertThat(problems("""
            rate-limit { requests = 0, window = 1ms, key = ip, max-keys = 0, trusted-proxies = ["10.0.0.0/40"], colour = red }"""))
            .containsExactlyInAnyOrder(
                "routes[0].rate-limit.requests: must be between 1 and 1000000000, was 0 (gateway.conf:4)",
                "routes[0].rate-limit.window: must be at least 10ms, was 1ms (gateway.conf:4)",
                "routes[0].rate-limit.key: unknown key \"ip\" (client-ip, header, subject, route) (gateway.conf:4)",
                "routes[0].rate-limit.max-keys: must be between 1 and 100000000, was 0 (gateway.conf:4)",
                "routes[0].rate-limit.trusted-proxies: bad CIDR \"10.0.0.0/40\" (e.g. 10.0.0.0/8, 192.168.1.7 or fd00::/8) (gateway.conf:4)",
                "routes[0].rate-limit.colour: unknown key (gateway.conf:4)");
        assertThat(problems("rate-limit { window = 1s }"))
            .containsExactly("routes[0].rate-limit.requests: is required (gateway.conf:4)");
        assertThat(problems("rate-limit { requests = 1, key = header }"))
            .containsExactly("routes[0].rate-limit.header: is required when key = header (gateway.conf:4)");
        assertThat(problems("rate-limit { requests = 1, header = \"X-A\" }"))
            .containsExactly("routes[0].rate-limit.header: only applies to key = header (gateway.conf:4)");
        assertThat(problems("rate-limit { requests = 1, key = header, header = \"bad header\" }"))
            .containsExactly("routes[0].rate-limit.header: bad header name \"bad header\" (gateway.conf:4)");
        assertThat(problems("rate-limit = 5"))
            .contains("routes[0].rate-limit: must be an object, was number (gateway.conf:4)");
        assertThat(problems("middlewares = [rate-limit]"))
            .containsExactly("routes[0].middlewares: rate-limit needs the route's rate-limit block (gateway.conf:4)");
    }
}
