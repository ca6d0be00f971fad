package io.nexus.gateway.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** One entry of {@code nexus.auth}: how a route that names it authenticates its clients. */
public sealed interface AuthSettings {

    /** The entry's name under {@code nexus.auth}. */
    String name();

    /** Claims (JWT) a valid identity must carry, else 403 {@code forbidden}. */
    List<String> requiredScopes();

    /** Whether the credential itself goes upstream (by default it does not). */
    boolean forwardCredential();

    /**
     * API keys ({@code type = api-key}), presented in a header or, when configured, a query
     * parameter; stored as SHA-256 hashes only.
     */
    record ApiKey(String name, String header, Optional<String> queryParameter, List<Key> keys, boolean forwardCredential)
        implements AuthSettings {

        public ApiKey {
            keys = List.copyOf(keys);
        }

        @Override
        public List<String> requiredScopes() {
            return List.of();
        }

        /** One accepted key: its id (forwarded as {@code X-Auth-Key-Id}) and the SHA-256 of the key, in hex. */
        public record Key(String id, String sha256) {
        }
    }

    /**
     * Bearer JWTs ({@code type = jwt}) verified with jjwt.
     *
     * @param algorithms allowed {@code alg} values (RS256/384/512, ES256/384/512, HS256/384/512)
     * @param publicKeys PEM public keys (RSA or EC) from the config
     * @param hmacSecret the HMAC secret for HS* algorithms, if any
     * @param jwksFile a JWKS document on disk; read with the config and re-read when it changes
     * @param jwksUrl a JWKS URL, fetched in the background every {@code jwksRefresh}; the last
     *     keys fetched stay in use while it fails
     * @param jwksRefresh how often the JWKS file is checked for changes and the URL fetched
     * @param forwardClaims claim name to upstream header ({@code X-Auth-*})
     * @param requiredClaims claim name to the value it must have (or contain, for a list)
     */
    record Jwt(String name, Set<String> algorithms, Optional<String> issuer, Optional<String> audience, Duration clockSkew,
               boolean requireExpiry, List<String> publicKeys, Optional<String> hmacSecret, Optional<Path> jwksFile,
               Optional<URI> jwksUrl, Duration jwksRefresh, Map<String, String> forwardClaims, List<String> requiredScopes,
               Map<String, String> requiredClaims, boolean forwardCredential) implements AuthSettings {

        public Jwt {
            algorithms = Set.copyOf(algorithms);
            publicKeys = List.copyOf(publicKeys);
            forwardClaims = Map.copyOf(forwardClaims);
            requiredScopes = List.copyOf(requiredScopes);
            requiredClaims = Map.copyOf(requiredClaims);
        }

        /** This provider with a route's own requirements added to its own. */
        public Jwt withRequirements(List<String> scopes, Map<String, String> claims) {
            List<String> allScopes = new ArrayList<>(requiredScopes);
            scopes.stream().filter(scope -> !allScopes.contains(scope)).forEach(allScopes::add);
            Map<String, String> allClaims = new LinkedHashMap<>(requiredClaims);
            allClaims.putAll(claims);
            return new Jwt(name, algorithms, issuer, audience, clockSkew, requireExpiry, publicKeys, hmacSecret, jwksFile, jwksUrl, jwksRefresh,
                forwardClaims, allScopes, allClaims, forwardCredential);
        }

        @Override
        public String toString() {
            // The HMAC secret never reaches a log line.
            return "Jwt[" + name + ", algorithms=" + algorithms + ", issuer=" + issuer + ", audience=" + audience + "]";
        }
    }

    /**
     * Client certificates verified in the TLS handshake ({@code type = client-cert}); the
     * certificate must match one of {@code subjects} or {@code sans} when either is given.
     *
     * @param subjects distinguished names (RFC 4514), compared as X.500 names (case and spacing aside)
     * @param sans subject alternative names: URIs ({@code spiffe://...}), DNS names, e-mail or IP addresses
     */
    record ClientCert(String name, List<String> subjects, List<String> sans) implements AuthSettings {

        public ClientCert {
            subjects = List.copyOf(subjects);
            sans = List.copyOf(sans);
        }

        @Override
        public List<String> requiredScopes() {
            return List.of();
        }

        @Override
        public boolean forwardCredential() {
            return false;
        }
    }
}
