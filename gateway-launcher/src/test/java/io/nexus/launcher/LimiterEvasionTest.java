package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, finding 11: ways around a rate limit. An IPv6 client owns a /64 and rotated its
 * address; a proxy's {@code X-Forwarded-For} entry with a port was not read; a limit keyed on the
 * subject never counted the requests whose authentication failed.
 */
class LimiterEvasionTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config(() -> """
            nexus {
              auth { partners { type = api-key, header = "X-API-Key", keys = [{ id = "acme", sha256 = "%s" }] } }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [
                { name = "v6", path = "/v6", upstream = "up", rate-limit { requests = 1, window = 1m, trusted-proxies = ["127.0.0.1"] } }
                { name = "ports", path = "/ports", upstream = "up", rate-limit { requests = 1, window = 1m, trusted-proxies = ["127.0.0.1"] } }
                { name = "guarded", path = "/guarded", upstream = "up", auth = "partners",
                  rate-limit { requests = 3, window = 1m, key = subject } }
              ]
            }
            """.formatted(AuthTest.sha256("acme-secret-key")))
        .build();

    private static int status(String path, String forwardedFor) throws Exception {
        return TestGateway.send(nexus.request(path).headers(h -> h.put("X-Forwarded-For", forwardedFor))).getStatus();
    }

    @Test
    void ipv6ClientsAreCountedByTheirSlash64() throws Exception {
        assertThat(status("/v6/x", "2001:db8:1:2::1")).isEqualTo(200);
        assertThat(status("/v6/x", "2001:db8:1:2:ffff:ffff:ffff:fffe")).as("same /64").isEqualTo(429);
        assertThat(status("/v6/x", "2001:db8:1:3::1")).as("another /64").isEqualTo(200);
    }

    @Test
    void aForwardedForEntryWithAPortIsTheClient() throws Exception {
        assertThat(status("/ports/x", "203.0.113.9:41234")).isEqualTo(200);
        assertThat(status("/ports/x", "203.0.113.9:50000")).as("the same client, another port").isEqualTo(429);
        assertThat(status("/ports/x", "203.0.113.10:41234")).as("another client").isEqualTo(200);
        assertThat(status("/ports/x", "[2001:db8:9::1]:443")).as("a bracketed IPv6 entry").isEqualTo(200);
    }

    @Test
    void failedAuthenticationsCountAgainstTheClientsAddress() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(TestGateway.send(nexus.request("/guarded/x").headers(h -> h.put("X-API-Key", "guess"))).getStatus()).isEqualTo(401);
        }
        ContentResponse limited = TestGateway.send(nexus.request("/guarded/x").headers(h -> h.put("X-API-Key", "guess-again")));
        assertThat(limited.getStatus()).isEqualTo(429);
        assertThat(limited.getHeaders().get("Retry-After")).isNotNull();
        // A client with a valid key has its subject's own budget.
        assertThat(TestGateway.send(nexus.request("/guarded/x").headers(h -> h.put("X-API-Key", "acme-secret-key"))).getStatus()).isEqualTo(200);
    }
}
