package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Jwks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Date;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A JWKS file named by the config is read again with every config version, through the reload endpoint. */
class JwksReloadTest {

    private static final String TOKEN = "jwks-reload-token-0123456789";

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder().recordingUpstream("up").build();

    @TempDir
    Path dir;
    TestGateway gateway;

    private String config(Path jwks) {
        return nexus.configText("""
            nexus {
              admin.token = "%s"
              config.watch = false
              upstreams { up { targets = [${upstreams.up}] } }
              auth { users { type = jwt, algorithms = [RS256], jwks-file = "%s", jwks-refresh = 1h } }
              routes = [{ name = "users", path = "/users", upstream = "up", auth = "users" }]
            }
            """.formatted(TOKEN, jwks));
    }

    @Test
    void aReloadNamingANewJwksFileSwitchesKeysAndABadOneIsRefused() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair old = generator.generateKeyPair();
        KeyPair next = generator.generateKeyPair();
        Path v1 = write("jwks-v1.json", jwks("v1", old));
        Path v2 = write("jwks-v2.json", jwks("v2", next));
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, config(v1));
        gateway = nexus.startGatewayFromFile(file);

        assertThat(status(token("v1", old))).isEqualTo(200);
        assertThat(status(token("v2", next))).isEqualTo(401);

        replace(file, config(v2));
        assertThat(reload().getStatus()).isEqualTo(200);
        assertThat(status(token("v2", next))).isEqualTo(200);
        assertThat(status(token("v1", old))).isEqualTo(401);

        Path broken = write("jwks-v3.json", "{\"keys\": [ {\"kty\": \"RSA\"} ]}");
        replace(file, config(broken));
        ContentResponse refused = reload();
        assertThat(refused.getStatus()).isEqualTo(422);
        // The version that failed to build never took traffic: the v2 keys still verify.
        assertThat(status(token("v2", next))).isEqualTo(200);
    }

    private ContentResponse reload() throws Exception {
        return TestGateway.send(gateway.adminRequest("/api/v1/config/reload").method("POST")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN)));
    }

    private int status(String token) throws Exception {
        return TestGateway.send(gateway.request("/users/x").headers(h -> h.put("Authorization", "Bearer " + token))).getStatus();
    }

    private static String token(String keyId, KeyPair keys) {
        return Jwts.builder().header().keyId(keyId).and().subject("alice").expiration(Date.from(Instant.now().plusSeconds(300)))
            .signWith(keys.getPrivate(), Jwts.SIG.RS256).compact();
    }

    private static String jwks(String keyId, KeyPair keys) {
        return "{\"keys\":[" + Jwks.json(Jwks.builder().key((RSAPublicKey) keys.getPublic()).id(keyId).build()) + "]}";
    }

    private Path write(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    private static void replace(Path file, String text) throws Exception {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temp, text);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
