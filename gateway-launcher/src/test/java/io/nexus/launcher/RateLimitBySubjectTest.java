package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A rate limit keyed on the authenticated subject counts what auth established and never trusts a client's header. */
class RateLimitBySubjectTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config(() -> """
            nexus {
              auth { partners { type = api-key, header = "X-API-Key",
                                keys = [{ id = "acme", sha256 = "%s" }, { id = "globex", sha256 = "%s" }] } }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [{ name = "limited", path = "/", upstream = "up", auth = "partners",
                          rate-limit { requests = 1, window = 1m, key = subject } }]
            }
            """.formatted(AuthTest.sha256("acme-secret-key"), AuthTest.sha256("globex-secret-key")))
        .build();

    @Test
    void eachAuthenticatedKeyHasItsOwnBudgetWhateverTheClientClaims() throws Exception {
        assertThat(status("acme-secret-key", "someone-else")).isEqualTo(200);
        // Same key, another claimed subject: still acme's budget, which is spent.
        assertThat(status("acme-secret-key", "globex")).isEqualTo(429);
        assertThat(status("globex-secret-key", "acme")).isEqualTo(200);
        // No credential: auth answers 401; the failure counts under the client's address (LimiterEvasionTest).
        assertThat(status(null, "acme")).isEqualTo(401);
    }

    private static int status(String apiKey, String claimedSubject) throws Exception {
        return TestGateway.send(nexus.request("/x").headers(h -> {
            h.put("X-Auth-Subject", claimedSubject);
            if (apiKey != null) {
                h.put("X-API-Key", apiKey);
            }
        })).getStatus();
    }
}
