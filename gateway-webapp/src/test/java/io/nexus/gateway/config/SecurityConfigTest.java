package io.nexus.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Validation of {@code nexus.auth}, a route's {@code auth}, request limits and {@code nexus.server.tls}. */
class SecurityConfigTest {

    private static final String SHA = "a".repeat(64);
    private static final String UPSTREAM = "upstreams { up { targets = [\"http://127.0.0.1:1\"] } }\n";

    private static List<String> problems(String nexus) {
        try {
            ConfigLoader.parse("nexus {\n" + UPSTREAM + nexus + "\n}", "gateway.conf", Map.of());
            return List.of();
        } catch (InvalidConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
    }

    @Test
    void routeAuthMustNameAProvider() {
        assertThat(problems("""
            auth { partners { type = api-key, keys = [{ id = "a", sha256 = "%s" }] } }
            routes = [{ name = "r", path = "/r", upstream = "up", auth = "users" }]
            """.formatted(SHA))).containsExactly("routes[0].auth: unknown auth \"users\" (known: partners) (gateway.conf:4)");
    }

    @Test
    void apiKeyEntriesAreChecked() {
        assertThat(problems("""
            auth { p { type = api-key, header = "X API", keys = [{ id = "a", sha256 = "not-hex" }, { id = "a", sha256 = "%s" }] } }
            """.formatted(SHA))).containsExactlyInAnyOrder(
            "auth.p.header: bad header name \"X API\" (gateway.conf:3)",
            "auth.p.keys[0].sha256: must be the 64 hex digits of the key's SHA-256 (printf %s KEY | sha256sum) (gateway.conf:3)",
            "auth.p.keys[1].id: duplicate key id \"a\" (gateway.conf:3)");
    }

    @Test
    void jwtEntriesAreChecked() {
        assertThat(problems("""
            auth {
              a { type = jwt, algorithms = [none, HS256] }
              b { type = jwt, algorithms = [RS256], hmac-secret = "short", forward-claims { sub = "Host" } }
              c { type = oauth }
            }
            """)).containsExactlyInAnyOrder(
            "auth.a.algorithms: unsupported algorithm \"none\" (ES256, ES384, ES512, HS256, HS384, HS512, RS256, RS384, RS512) (gateway.conf:4)",
            "auth.a.hmac-secret: HS algorithms need an hmac-secret (or oct keys in a jwks-file) (gateway.conf:4)",
            "auth.b.hmac-secret: must be at least 32 bytes (256 bits) (gateway.conf:5)",
            "auth.b.algorithms: RS/ES algorithms need public-keys, public-key-files, a jwks-file or a jwks-url (gateway.conf:5)",
            "auth.b.forward-claims.sub: must name a header X-Auth-... (clients can never send those themselves) (gateway.conf:5)",
            "auth.c.type: unknown auth type \"oauth\" (api-key, jwt, client-cert) (gateway.conf:6)");
    }

    @Test
    void routeRequirementsAddToAJwtProviderOnly() throws Exception {
        GatewayConfig config = ConfigLoader.parse("""
            nexus {
              %s
              auth { users { type = jwt, algorithms = [HS256], hmac-secret = "%s", required-scopes = [read] } }
              routes = [{ name = "r", path = "/r", upstream = "up", auth = { provider = "users", required-scopes = [write], required-claims { tenant = acme } } }]
            }
            """.formatted(UPSTREAM, "s".repeat(32)), "gateway.conf", Map.of());
        AuthSettings.Jwt jwt = (AuthSettings.Jwt) config.routes().get(0).auth().orElseThrow();
        assertThat(jwt.requiredScopes()).containsExactly("read", "write");
        assertThat(jwt.requiredClaims()).containsExactly(Map.entry("tenant", "acme"));
        assertThat(config.auth().get("users").requiredScopes()).containsExactly("read");

        assertThat(problems("""
            auth { p { type = api-key, keys = [{ id = "a", sha256 = "%s" }] } }
            routes = [{ name = "r", path = "/r", upstream = "up", auth = { provider = p, required-scopes = [x] } }]
            """.formatted(SHA))).containsExactly("routes[0].auth: required-scopes and required-claims need a jwt provider, \"p\" is ApiKey (gateway.conf:4)");
    }

    @Test
    void theAuthMiddlewareNeedsTheAuthKey() {
        assertThat(problems("routes = [{ name = \"r\", path = \"/r\", upstream = \"up\", middlewares = [auth] }]"))
            .containsExactly("routes[0].middlewares: the auth middleware runs what the route's auth key names; set auth instead (gateway.conf:3)");
    }

    @Test
    void tlsNeedsReadableCertificatesAndModernProtocols() {
        assertThat(problems("""
            server { max-request-header-size = 2MiB, tls { enabled = true, protocols = [TLSv1.1], certificates = [{ name = "x", certificate = "/nonexistent.crt" }] } }
            """)).containsExactlyInAnyOrder(
            "server.max-request-header-size: must be at most 1MiB, was 2097152 bytes (gateway.conf:3)",
            "server.tls.protocols: unsupported protocol \"TLSv1.1\" (TLSv1.2, TLSv1.3) (gateway.conf:3)",
            "server.tls.certificates[0].certificate: PEM needs both certificate and private-key (gateway.conf:3)",
            "server.tls.certificates[0].name: file not found or not readable: /nonexistent.crt (gateway.conf:3)");
        assertThatThrownBy(() -> ConfigLoader.parse("nexus.server.tls.enabled = true", "gateway.conf", Map.of()))
            .hasMessageContaining("server.tls.certificates: TLS needs at least one certificate");
    }

    @Test
    void defaultsAreSafe() throws Exception {
        GatewayConfig config = ConfigLoader.parse("nexus {}", "gateway.conf", Map.of());
        assertThat(config.startup().server().limits()).isEqualTo(new RequestLimits(8 * 1024, 100));
        assertThat(config.startup().server().tls().enabled()).isFalse();
        // No protocol list of its own: the intermediate profile's TLS 1.3 and 1.2 (TlsProfiles in the launcher).
        assertThat(config.startup().server().tls().protocols()).isEmpty();
        assertThat(config.startup().server().tls().profile()).isEqualTo(TlsSettings.Profile.INTERMEDIATE);
    }
}
