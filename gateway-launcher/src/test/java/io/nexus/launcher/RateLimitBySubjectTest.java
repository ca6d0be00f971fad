package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import org.junit.jupiter.api.Test;

/** A rate limit keyed on the authenticated subject runs after auth and never trusts a client's header. */
class RateLimitBySubjectTest {

    @Test
    void eachAuthenticatedKeyHasItsOwnBudgetWhateverTheClientClaims() throws Exception {
        try (RecordingUpstream upstream = RecordingUpstream.start("up");
             TestGateway gateway = TestGateway.start("""
                 nexus {
                   auth { partners { type = api-key, header = "X-API-Key",
                                     keys = [{ id = "acme", sha256 = "%s" }, { id = "globex", sha256 = "%s" }] } }
                   upstreams { up { targets = ["%s"] } }
                   routes = [{ name = "limited", path = "/", upstream = "up", auth = "partners",
                               rate-limit { requests = 1, window = 1m, key = subject } }]
                 }
                 """.formatted(AuthTest.sha256("acme-secret-key"), AuthTest.sha256("globex-secret-key"), upstream.url()))) {
            assertThat(status(gateway, "acme-secret-key", "someone-else")).isEqualTo(200);
            // Same key, another claimed subject: still acme's budget, which is spent.
            assertThat(status(gateway, "acme-secret-key", "globex")).isEqualTo(429);
            assertThat(status(gateway, "globex-secret-key", "acme")).isEqualTo(200);
            // No credential: auth answers first, the limiter never counts it.
            assertThat(status(gateway, null, "acme")).isEqualTo(401);
        }
    }

    private static int status(TestGateway gateway, String apiKey, String claimedSubject) throws Exception {
        return TestGateway.send(gateway.request("/x").headers(h -> {
            h.put("X-Auth-Subject", claimedSubject);
            if (apiKey != null) {
                h.put("X-API-Key", apiKey);
            }
        })).getStatus();
    }
}
