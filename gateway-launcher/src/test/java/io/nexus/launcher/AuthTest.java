package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.jsonwebtoken.JwtBuilder;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Jwks;
import io.jsonwebtoken.security.Keys;
import io.nexus.gateway.testing.RecordingUpstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.awaitility.Awaitility;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** API keys and JWTs end to end: real keys generated here, real tokens, a real gateway and upstream. */
class AuthTest {

    private static final String ISSUER = "https://id.example.test";
    private static final String AUDIENCE = "nexus";
    private static final String ACME_KEY = "acme-0123456789-secret";
    private static final String GLOBEX_KEY = "globex-9876543210-secret";
    private static final String HMAC_SECRET = "hmac-secret-0123456789abcdef-0123456789";

    static final KeyPair rsa = generate("RSA");
    static final KeyPair otherRsa = generate("RSA");
    static final KeyPair rotatedRsa = generate("RSA");
    static final KeyPair ec = generate("EC");
    static final AtomicReference<String> served = new AtomicReference<>(jwksJson("u1", rsa.getPublic()));
    static final AtomicInteger servedStatus = new AtomicInteger(200);
    static final AtomicInteger fetches = new AtomicInteger();

    @TempDir
    static Path dir;
    static Path jwks;

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .upstream("jwks", new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, Response response, Callback callback) {
                fetches.incrementAndGet();
                response.setStatus(servedStatus.get());
                response.getHeaders().put("Content-Type", "application/json");
                Content.Sink.write(response, true, served.get(), callback);
                return true;
            }
        })
        .config(AuthTest::config)
        .build();

    /** The gateway's config, once the JWKS file it names is there. */
    private static String config() throws Exception {
        jwks = dir.resolve("jwks.json");
        writeJwks("k1", rsa.getPublic());
        return """
            nexus {
              upstreams { up { targets = [${upstreams.up}] } }
              auth {
                partners { type = api-key, header = "X-API-Key", query-parameter = "api_key",
                           keys = [{ id = "acme", sha256 = "%s" }, { id = "globex", sha256 = "%s" }] }
                forwarding { type = api-key, forward-credential = true, keys = [{ id = "acme", sha256 = "%s" }] }
                users { type = jwt, algorithms = [RS256, ES256], public-keys = [""\"%s""\", ""\"%s""\"],
                        issuer = "%s", audience = "%s", clock-skew = 5s, forward-claims { email = "X-Auth-Email" } }
                mixed { type = jwt, algorithms = [RS256, HS256], public-keys = [""\"%s""\"], hmac-secret = "%s",
                        issuer = "%s", audience = "%s" }
                rotating { type = jwt, algorithms = [RS256], jwks-file = "%s", jwks-refresh = 50ms, issuer = "%s", audience = "%s" }
                fetched { type = jwt, algorithms = [RS256], jwks-url = ${upstreams.jwks}"/jwks", allow-insecure-jwks = true, jwks-refresh = 50ms, issuer = "%s", audience = "%s" }
                admins { type = jwt, algorithms = [RS256], public-keys = [""\"%s""\"], issuer = "%s", audience = "%s",
                         required-scopes = [admin] }
              }
              routes = [
                { name = "partners", path = "/partners", upstream = "up", auth = "partners" }
                { name = "forwarding", path = "/forwarding", upstream = "up", auth = "forwarding" }
                { name = "users", path = "/users", upstream = "up", auth = "users" }
                { name = "mixed", path = "/mixed", upstream = "up", auth = "mixed" }
                { name = "rotating", path = "/rotating", upstream = "up", auth = "rotating" }
                { name = "fetched", path = "/fetched", upstream = "up", auth = "fetched" }
                { name = "admins", path = "/admins", upstream = "up", auth = "admins" }
                { name = "open", path = "/open", upstream = "up" }
                { name = "scoped", path = "/scoped", upstream = "up",
                  auth = { provider = "users", required-scopes = [write], required-claims { tenant = "acme" } } }
              ]
            }
            """.formatted(sha256(ACME_KEY), sha256(GLOBEX_KEY), sha256(ACME_KEY),
            pem(rsa.getPublic()), pem(ec.getPublic()), ISSUER, AUDIENCE,
            pem(rsa.getPublic()), HMAC_SECRET, ISSUER, AUDIENCE,
            jwks, ISSUER, AUDIENCE,
            ISSUER, AUDIENCE,
            pem(rsa.getPublic()), ISSUER, AUDIENCE);
    }

    /** RSA 2048 or EC P-256 keys. */
    private static KeyPair generate(String algorithm) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("EC")) {
                generator.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                generator.initialize(2048);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    RecordingUpstream upstream;

    @BeforeEach
    void forgetEarlierRequests() {
        upstream = nexus.upstream("up");
        upstream.clear();
    }

    // API keys

    @Test
    void rightApiKeyPassesWithItsIdAndWithoutTheKey() throws Exception {
        ContentResponse response = TestGateway.send(nexus.request("/partners/x").headers(h -> h.put("X-API-Key", GLOBEX_KEY)));
        assertThat(response.getStatus()).isEqualTo(200);
        RecordingUpstream.Recorded seen = upstream.takeRequest();
        assertThat(seen.header("X-Auth-Key-Id")).isEqualTo("globex");
        assertThat(seen.header("X-Auth-Provider")).isEqualTo("partners");
        assertThat(seen.header("X-API-Key")).isNull();
    }

    @Test
    void apiKeyInTheQueryParameterIsAcceptedAndRemoved() throws Exception {
        ContentResponse response = TestGateway.send(nexus.request("/partners/x?a=1&api_key=" + ACME_KEY + "&b=2"));
        assertThat(response.getStatus()).isEqualTo(200);
        RecordingUpstream.Recorded seen = upstream.takeRequest();
        assertThat(seen.header("X-Auth-Key-Id")).isEqualTo("acme");
        assertThat(seen.query()).isEqualTo("a=1&b=2");
    }

    @Test
    void wrongOrMissingApiKeyIs401WithAChallenge() throws Exception {
        for (Request request : new Request[] {nexus.request("/partners/x").headers(h -> h.put("X-API-Key", ACME_KEY + "x")),
            nexus.request("/partners/x"), nexus.request("/partners/x").headers(h -> h.put("X-API-Key", ""))}) {
            ContentResponse response = TestGateway.send(request);
            assertThat(response.getStatus()).isEqualTo(401);
            assertThat(response.getHeaders().get("WWW-Authenticate")).startsWith("ApiKey realm=\"partners\"");
            assertThat(response.getContentAsString()).contains("\"code\":\"unauthorized\"");
        }
        assertThat(upstream.pending()).isZero();
    }

    @Test
    void apiKeyIsForwardedWhenConfigured() throws Exception {
        TestGateway.send(nexus.request("/forwarding/x").headers(h -> h.put("X-API-Key", ACME_KEY)));
        assertThat(upstream.takeRequest().header("X-API-Key")).isEqualTo(ACME_KEY);
    }

    // Identity headers

    @Test
    void clientSentIdentityHeadersAreStrippedOnEveryRoute() throws Exception {
        TestGateway.send(nexus.request("/open/x").headers(h -> h.put("X-Auth-Subject", "admin").put("x-auth-key-id", "acme")
            .put("X-Auth-Anything", "1")));
        RecordingUpstream.Recorded open = upstream.takeRequest();
        assertThat(open.headers().stream().filter(f -> f.getLowerCaseName().startsWith("x-auth-"))).isEmpty();

        TestGateway.send(nexus.request("/users/x").headers(h -> h.put("Authorization", "Bearer " + rs256(rsa.getPrivate(), "k1").compact())
            .put("X-Auth-Subject", "admin").put("X-Auth-Email", "evil@example.test")));
        RecordingUpstream.Recorded seen = upstream.takeRequest();
        assertThat(seen.header("X-Auth-Subject")).isEqualTo("alice");
        assertThat(seen.header("X-Auth-Email")).isEqualTo("alice@example.test");
        assertThat(seen.header("Authorization")).isNull();
    }

    // JWT

    @Test
    void validRs256AndEs256TokensPass() throws Exception {
        assertThat(status("/users/x", rs256(rsa.getPrivate(), null).compact())).isEqualTo(200);
        assertThat(upstream.takeRequest().header("X-Auth-Subject")).isEqualTo("alice");
        assertThat(status("/users/x", claims().signWith(ec.getPrivate(), Jwts.SIG.ES256).compact())).isEqualTo(200);
        assertThat(status("/mixed/x", claims().signWith(Keys.hmacShaKeyFor(HMAC_SECRET.getBytes(StandardCharsets.UTF_8)), Jwts.SIG.HS256).compact()))
            .isEqualTo(200);
    }

    @Test
    void expiredAndNotYetValidTokensAre401() throws Exception {
        Instant now = Instant.now();
        assertRejected("/users/x", rs256(rsa.getPrivate(), null).expiration(Date.from(now.minusSeconds(60))).compact(), "expired");
        assertRejected("/users/x", rs256(rsa.getPrivate(), null).notBefore(Date.from(now.plusSeconds(60))).compact(), "not valid yet");
        // Within the 5 s clock skew: accepted.
        assertThat(status("/users/x", rs256(rsa.getPrivate(), null).expiration(Date.from(now.minusSeconds(2))).compact())).isEqualTo(200);
    }

    @Test
    void wrongIssuerAudienceOrKeyIs401() throws Exception {
        assertRejected("/users/x", rs256(rsa.getPrivate(), null).issuer("https://evil.test").compact(), "not valid");
        assertRejected("/users/x", rs256(rsa.getPrivate(), null).audience().single("other").compact(), "not valid");
        assertRejected("/users/x", rs256(otherRsa.getPrivate(), null).compact(), "not valid");
        assertRejected("/users/x", rs256(rsa.getPrivate(), null).expiration(null).compact(), "no expiry");
    }

    @Test
    void algorithmNoneIs401() throws Exception {
        String header = base64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        String payload = base64(("{\"sub\":\"alice\",\"iss\":\"%s\",\"aud\":\"%s\",\"exp\":%d}")
            .formatted(ISSUER, AUDIENCE, Instant.now().plusSeconds(300).getEpochSecond()));
        assertRejected("/users/x", header + "." + payload + ".", "not valid");
        assertRejected("/mixed/x", header + "." + payload + ".", "not valid");
    }

    @Test
    void hmacSignedWithTheRsaPublicKeyIsRejected() throws Exception {
        // The classic confusion: HS256 keyed with the verifier's public key, which the attacker knows.
        String header = base64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        String payload = base64(("{\"sub\":\"admin\",\"iss\":\"%s\",\"aud\":\"%s\",\"exp\":%d}")
            .formatted(ISSUER, AUDIENCE, Instant.now().plusSeconds(300).getEpochSecond()));
        for (byte[] key : new byte[][] {pem(rsa.getPublic()).getBytes(StandardCharsets.US_ASCII), rsa.getPublic().getEncoded()}) {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            String signature = Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal((header + "." + payload).getBytes(StandardCharsets.US_ASCII)));
            String token = header + "." + payload + "." + signature;
            assertRejected("/users/x", token, "not valid");
            assertRejected("/mixed/x", token, "not valid");
        }
    }

    @Test
    void tamperedPayloadIs401() throws Exception {
        String[] parts = rs256(rsa.getPrivate(), null).compact().split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("alice", "admin");
        assertRejected("/users/x", parts[0] + "." + base64(payload) + "." + parts[2], "not valid");
    }

    @Test
    void missingScopeIs403() throws Exception {
        ContentResponse response = send("/admins/x", rs256(rsa.getPrivate(), null).compact());
        assertThat(response.getStatus()).isEqualTo(403);
        assertThat(response.getContentAsString()).contains("\"code\":\"forbidden\"");
        assertThat(response.getHeaders().get("WWW-Authenticate")).contains("error=\"insufficient_scope\"");
        assertThat(status("/admins/x", rs256(rsa.getPrivate(), null).claim("scope", "read admin").compact())).isEqualTo(200);
    }

    @Test
    void routeRequirementsAddToTheProvider() throws Exception {
        assertThat(status("/users/x", rs256(rsa.getPrivate(), null).compact())).isEqualTo(200);
        assertThat(status("/scoped/x", rs256(rsa.getPrivate(), null).compact())).isEqualTo(403);
        assertThat(status("/scoped/x", rs256(rsa.getPrivate(), null).claim("scope", "write").claim("tenant", "other").compact())).isEqualTo(403);
        assertThat(status("/scoped/x", rs256(rsa.getPrivate(), null).claim("scp", java.util.List.of("write")).claim("tenant", "acme").compact()))
            .isEqualTo(200);
        upstream.clear();
    }

    @Test
    void missingBearerTokenIs401WithAChallenge() throws Exception {
        ContentResponse response = TestGateway.send(nexus.request("/users/x"));
        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(response.getHeaders().get("WWW-Authenticate")).isEqualTo("Bearer realm=\"users\"");
        assertThat(upstream.pending()).isZero();
    }

    @Test
    void jwksFileRotationIsPickedUp() throws Exception {
        assertThat(status("/rotating/x", rs256(rsa.getPrivate(), "k1").compact())).isEqualTo(200);
        String rotated = rs256(rotatedRsa.getPrivate(), "k2").compact();
        assertRejected("/rotating/x", rotated, "not valid");
        writeJwks("k2", rotatedRsa.getPublic());
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(status("/rotating/x", rotated)).isEqualTo(200));
        assertRejected("/rotating/x", rs256(rsa.getPrivate(), "k1").compact(), "not valid");
        upstream.clear();
    }

    @Test
    void jwksUrlIsFetchedInTheBackgroundAndItsLastKeysSurviveFailures() throws Exception {
        assertThat(status("/fetched/x", rs256(rsa.getPrivate(), "u1").compact())).isEqualTo(200);
        String rotated = rs256(rotatedRsa.getPrivate(), "u2").compact();
        served.set(jwksJson("u2", rotatedRsa.getPublic()));
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(status("/fetched/x", rotated)).isEqualTo(200));

        servedStatus.set(500);
        int before = fetches.get();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> fetches.get() >= before + 3);
        assertThat(status("/fetched/x", rotated)).isEqualTo(200);
        servedStatus.set(200);
        upstream.clear();
    }

    // helpers

    private static JwtBuilder claims() {
        Instant now = Instant.now();
        return Jwts.builder().subject("alice").issuer(ISSUER).audience().add(AUDIENCE).and()
            .issuedAt(Date.from(now)).expiration(Date.from(now.plusSeconds(300))).claim("email", "alice@example.test");
    }

    private static JwtBuilder rs256(PrivateKey key, String keyId) {
        JwtBuilder builder = claims();
        if (keyId != null) {
            builder.header().keyId(keyId);
        }
        return builder.signWith(key, Jwts.SIG.RS256);
    }

    private static ContentResponse send(String path, String token) throws Exception {
        return TestGateway.send(nexus.request(path).headers(h -> h.put("Authorization", "Bearer " + token)));
    }

    private static int status(String path, String token) throws Exception {
        return send(path, token).getStatus();
    }

    private void assertRejected(String path, String token, String message) throws Exception {
        int before = upstream.requestCount();
        ContentResponse response = send(path, token);
        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(response.getHeaders().get("WWW-Authenticate")).contains("error=\"invalid_token\"");
        assertThat(response.getContentAsString()).contains("\"code\":\"unauthorized\"").contains(message);
        assertThat(upstream.requestCount()).isEqualTo(before);
    }

    private static String jwksJson(String keyId, PublicKey key) {
        return "{\"keys\":[" + Jwks.json(Jwks.builder().key((RSAPublicKey) key).id(keyId).build()) + "]}";
    }

    private static void writeJwks(String keyId, PublicKey key) throws Exception {
        Path next = dir.resolve("jwks.json.next");
        Files.writeString(next, jwksJson(keyId, key));
        Files.move(next, jwks, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static String pem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    }

    static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String base64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
