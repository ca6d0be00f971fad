package io.nexus.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A seeded randomized test of the config parser: valid files mutated byte by byte and spliced
 * with fragments of other sections. Every text either parses or fails with an
 * {@link InvalidConfigException} naming its problems; nothing else escapes the loader.
 */
class ConfigFuzzTest {

    private static final long SEED = 0xC0F1_6L;
    private static final String VALID = """
        nexus {
          server { port = 8080, max-request-body = 1MiB, max-header-count = 50, tls { enabled = false, port = 8443 } }
          upstreams { up { targets = ["http://127.0.0.1:9000", { url = "http://127.0.0.1:9001", weight = 2 }] } }
          auth {
            partners { type = api-key, header = "X-API-Key", keys = [{ id = "acme", sha256 = "%s" }] }
            users { type = jwt, algorithms = [HS256], hmac-secret = "0123456789abcdef0123456789abcdef", issuer = "https://id", audience = "api",
                    forward-claims { email = "X-Auth-Email" }, required-scopes = ["read"] }
          }
          routes = [
            { name = "a", path = "/a", upstream = "up", auth = "partners" }
            { name = "b", path = "/b", upstream = "up", auth = "users", methods = [GET] }
          ]
        }
        """.formatted("a".repeat(64));
    private static final String[] FRAGMENTS = {"{", "}", "[", "]", "=", ",", "\"", "${?X}", "${nexus.server.port}", "auth = \"nope\"",
        "type = jwt", "algorithms = [none]", "keys = []", "sha256 = \"zz\"", "tls { enabled = true }", "port = -1", "1MiB", "null",
        "include \"x\"", "\n", "#", "//", "routes = 7", "auth { x = 1 }", "header = \"a b\"", "forward-claims { sub = \"Host\" }"};

    @Test
    void theValidTextParses() throws Exception {
        GatewayConfig config = ConfigLoader.parse(VALID, "fuzz.conf", Map.of());
        assertThat(config.routes().get(0).auth()).containsInstanceOf(AuthSettings.ApiKey.class);
        assertThat(config.routes().get(1).middlewares()).containsExactly("auth");
        assertThat(config.redacted()).doesNotContain("0123456789abcdef0123456789abcdef", "a".repeat(64));
    }

    @Test
    void everyMutationParsesOrFailsWithProblems() {
        Random random = new Random(SEED);
        for (int i = 0; i < 3000; i++) {
            StringBuilder text = new StringBuilder(VALID);
            int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                int at = random.nextInt(text.length());
                switch (random.nextInt(4)) {
                    case 0 -> text.deleteCharAt(at);
                    case 1 -> text.insert(at, FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
                    case 2 -> text.setCharAt(at, (char) (32 + random.nextInt(95)));
                    default -> text.delete(at, Math.min(text.length(), at + random.nextInt(40)));
                }
            }
            String mutated = text.toString();
            try {
                ConfigLoader.parse(mutated, "fuzz.conf", Map.of());
            } catch (InvalidConfigException e) {
                assertThat(e.problems()).as("problems of mutation %d", i).isNotEmpty();
            } catch (RuntimeException e) {
                throw new AssertionError("mutation " + i + " (seed " + SEED + ") escaped the loader:\n" + mutated, e);
            }
        }
    }
}
