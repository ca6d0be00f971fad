package io.nexus.gateway.auth;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.Header;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.JwtParserBuilder;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.Locator;
import io.jsonwebtoken.PrematureJwtException;
import io.jsonwebtoken.ProtectedHeader;
import io.jsonwebtoken.security.SecurityException;
import io.nexus.gateway.config.AuthSettings;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.Key;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer JWTs verified with jjwt. The token's {@code alg} must be one of the configured
 * algorithms and its key is chosen by the key's own type, never by the token; unsecured
 * ({@code none}) tokens are refused by jjwt itself. Issuer, audience, expiry and not-before
 * (with the configured clock skew) are checked; then the required scopes and claims (403).
 * Keys from a JWKS file are re-read when the file changes and a JWKS URL is fetched every
 * {@code jwks-refresh} ({@link #refreshJwks()}, from the gateway's scheduler), published through
 * a volatile field so that requests never wait for either.
 */
final class JwtAuthenticator implements Authenticator {

    private static final Logger LOG = LoggerFactory.getLogger(JwtAuthenticator.class);
    private static final String BEARER = "bearer ";
    private static final int MAX_HEADER_VALUE = 1024;
    private static final int MAX_JWKS = 1 << 20;
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);
    private static final HttpClient HTTP = HttpClient.newBuilder()
        .connectTimeout(FETCH_TIMEOUT).followRedirects(HttpClient.Redirect.NORMAL).build();
    /** The last document fetched per URL, so that a reload does not start without keys. */
    private static final ConcurrentHashMap<URI, String> LAST_FETCHED = new ConcurrentHashMap<>();

    private final AuthSettings.Jwt settings;
    private final JwtParser parser;
    private final String challenge;
    private volatile JwtKeys keys;
    private volatile FileTime jwksModified;
    private volatile long jwksSize;
    private volatile String jwksFileText;
    private volatile String jwksUrlText;
    private volatile boolean failing;

    /** @throws IllegalArgumentException for keys that cannot be read (fails the config version) */
    JwtAuthenticator(AuthSettings.Jwt settings) throws IOException {
        this.settings = settings;
        this.challenge = "Bearer realm=\"" + settings.name() + "\"";
        this.keys = loadKeys();
        Locator<Key> locator = this::locate;
        JwtParserBuilder builder = Jwts.parser()
            .keyLocator(locator)
            .clockSkewSeconds(settings.clockSkew().toSeconds());
        settings.issuer().ifPresent(builder::requireIssuer);
        settings.audience().ifPresent(builder::requireAudience);
        this.parser = builder.build();
        if (settings.issuer().isEmpty() && settings.audience().isEmpty()) {
            LOG.warn("auth {}: neither issuer nor audience is set, so any token its keys signed passes, also one issued for "
                + "another service; set issuer and audience", settings.name());
        }
    }

    private JwtKeys loadKeys() throws IOException {
        if (settings.jwksFile().isPresent()) {
            Path file = settings.jwksFile().get();
            jwksModified = Files.getLastModifiedTime(file);
            jwksSize = Files.size(file);
            jwksFileText = Files.readString(file);
        }
        if (settings.jwksUrl().isPresent() && jwksUrlText == null) {
            // A new config version starts from the keys the previous one fetched last.
            jwksUrlText = LAST_FETCHED.get(settings.jwksUrl().get());
        }
        return keys();
    }

    private JwtKeys keys() {
        return JwtKeys.of(settings.publicKeys(), settings.hmacSecret().orElse(null), Arrays.asList(jwksFileText, jwksUrlText));
    }

    /**
     * Re-reads the JWKS file when its time or size changed and starts fetching the JWKS URL; a
     * file or a document that cannot be read or parsed keeps the previous keys. The stage
     * completes when the fetch is done, successful or not. Never on a request: the middleware
     * calls it from the gateway's scheduler, so the file check is a stat (a read only when it
     * changed) and the fetch is asynchronous.
     */
    CompletableFuture<Void> refreshJwks() {
        settings.jwksFile().ifPresent(this::refreshFile);
        return settings.jwksUrl().map(this::fetch).orElse(CompletableFuture.completedFuture(null));
    }

    private void refreshFile(Path file) {
        try {
            if (Files.getLastModifiedTime(file).equals(jwksModified) && Files.size(file) == jwksSize) {
                return;
            }
            String previous = jwksFileText;
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            String text = Files.readString(file);
            jwksFileText = text;
            try {
                keys = keys();
            } catch (RuntimeException e) {
                jwksFileText = previous;
                throw e;
            }
            jwksModified = modified;
            jwksSize = size;
            LOG.info("auth {}: reloaded {} keys from {}", settings.name(), keys.entries().size(), file);
        } catch (IOException | RuntimeException e) {
            LOG.warn("auth {}: keeping the previous keys, {} could not be read: {}", settings.name(), file, e.toString());
        }
    }

    private CompletableFuture<Void> fetch(URI url) {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(FETCH_TIMEOUT).header("Accept", "application/json").GET().build();
        CompletableFuture<HttpResponse<String>> sent;
        try {
            sent = HTTP.sendAsync(request, info -> new BoundedBody(MAX_JWKS));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.handle((response, failure) -> {
            onFetched(url, response, failure);
            return null;
        });
    }

    private void onFetched(URI url, HttpResponse<String> response, Throwable failure) {
        if (failure != null) {
            fetchFailed(url, failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure);
            return;
        }
        try {
            if (response.statusCode() != 200) {
                throw new IOException("status " + response.statusCode());
            }
            String text = response.body();
            if (text.equals(jwksUrlText)) {
                failing = false;
                return;
            }
            String previous = jwksUrlText;
            jwksUrlText = text;
            try {
                keys = keys();
            } catch (RuntimeException e) {
                jwksUrlText = previous;
                throw e;
            }
            LAST_FETCHED.put(url, text);
            failing = false;
            LOG.info("auth {}: fetched {} keys from {}", settings.name(), keys.entries().size(), url);
        } catch (IOException | RuntimeException e) {
            fetchFailed(url, e);
        }
    }

    /**
     * A response body read into a string, refused as soon as it passes {@code limit} bytes: the
     * connection is cancelled there, so an endless or huge document costs at most the limit,
     * not whatever arrives before the fetch timeout.
     */
    static final class BoundedBody implements HttpResponse.BodySubscriber<String> {
        private final int limit;
        private final CompletableFuture<String> body = new CompletableFuture<>();
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private java.util.concurrent.Flow.Subscription subscription;

        BoundedBody(int limit) {
            this.limit = limit;
        }

        @Override
        public java.util.concurrent.CompletionStage<String> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(java.util.List<java.nio.ByteBuffer> buffers) {
            if (body.isDone()) {
                return;
            }
            for (java.nio.ByteBuffer buffer : buffers) {
                if (bytes.size() + buffer.remaining() > limit) {
                    subscription.cancel();
                    body.completeExceptionally(new IOException("document over " + limit + " bytes"));
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable failure) {
            body.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private void fetchFailed(URI url, Throwable reason) {
        // Logged once per failure streak; the last keys fetched stay in use.
        if (!failing) {
            LOG.warn("auth {}: keeping the previous keys, {} could not be fetched: {}", settings.name(), url, reason.toString());
        }
        failing = true;
    }

    private Key locate(Header header) {
        String algorithm = header.getAlgorithm();
        if (algorithm == null || !settings.algorithms().contains(algorithm)) {
            throw new SecurityException("algorithm " + algorithm + " is not allowed");
        }
        String keyId = header instanceof ProtectedHeader protectedHeader ? protectedHeader.getKeyId() : null;
        Key key = keys.find(algorithm, keyId);
        if (key == null) {
            throw new SecurityException("no key for algorithm " + algorithm + (keyId == null ? "" : " and kid " + keyId));
        }
        return key;
    }

    @Override
    public Result authenticate(HttpServletRequest request) {
        String authorization = request.getHeader("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return new Rejected(false, "missing_credentials", "a bearer token is required", challenge);
        }
        String token = authorization.substring(BEARER.length()).trim();
        Claims claims;
        try {
            claims = parser.parseSignedClaims(token).getPayload();
        } catch (ExpiredJwtException e) {
            return invalid("expired_token", "the token has expired");
        } catch (PrematureJwtException e) {
            return invalid("premature_token", "the token is not valid yet");
        } catch (JwtException | IllegalArgumentException e) {
            LOG.debug("auth {}: token refused", settings.name(), e);
            return invalid("invalid_token", "the token is not valid");
        }
        if (settings.requireExpiry() && claims.getExpiration() == null) {
            return invalid("missing_expiry", "the token has no expiry");
        }
        for (String scope : settings.requiredScopes()) {
            if (!scopes(claims).contains(scope)) {
                return new Rejected(true, "insufficient_scope", "the token lacks the scope " + scope,
                    "Bearer realm=\"" + settings.name() + "\", error=\"insufficient_scope\", scope=\"" + String.join(" ", settings.requiredScopes()) + "\"");
            }
        }
        for (Map.Entry<String, String> required : settings.requiredClaims().entrySet()) {
            Object value = claims.get(required.getKey());
            boolean ok = value instanceof Collection<?> values
                ? values.stream().anyMatch(v -> required.getValue().equals(String.valueOf(v)))
                : value != null && required.getValue().equals(String.valueOf(value));
            if (!ok) {
                return new Rejected(true, "claim_not_allowed", "the token's claim " + required.getKey() + " does not allow this route",
                    "Bearer realm=\"" + settings.name() + "\", error=\"insufficient_scope\"");
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(AuthHeaders.PROVIDER, settings.name());
        if (claims.getSubject() != null) {
            headers.put(AuthHeaders.SUBJECT, headerValue(claims.getSubject()));
        }
        for (Map.Entry<String, String> forward : settings.forwardClaims().entrySet()) {
            Object value = claims.get(forward.getKey());
            if (value != null) {
                headers.put(forward.getValue(), headerValue(value instanceof Collection<?> values
                    ? String.join(" ", values.stream().map(String::valueOf).toList()) : String.valueOf(value)));
            }
        }
        return new Authenticated(headers, settings.forwardCredential() ? null : "Authorization", null);
    }

    private Rejected invalid(String cause, String message) {
        return new Rejected(false, cause, message, challenge + ", error=\"invalid_token\"");
    }

    private static List<String> scopes(Claims claims) {
        Object scope = claims.get("scope");
        if (scope == null) {
            scope = claims.get("scp");
        }
        if (scope instanceof String text) {
            return List.of(text.trim().split("\\s+"));
        }
        if (scope instanceof Collection<?> values) {
            return values.stream().map(String::valueOf).toList();
        }
        return List.of();
    }

    /** A claim as a header value: control characters dropped (no header injection), length capped. */
    private static String headerValue(String value) {
        StringBuilder clean = new StringBuilder(Math.min(value.length(), MAX_HEADER_VALUE));
        for (int i = 0; i < value.length() && clean.length() < MAX_HEADER_VALUE; i++) {
            char c = value.charAt(i);
            if (c >= 0x20 && c != 0x7f) {
                clean.append(c);
            }
        }
        return clean.toString();
    }
}
