package io.nexus.gateway.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads the security sections for {@link ConfigLoader}: request limits and TLS under
 * {@code nexus.server}, the providers of {@code nexus.auth}, and a route's {@code auth} key.
 * Problems go to the same list as the rest of the config, with key and line.
 */
final class SecurityConfigReader {

    /** The keys of {@code nexus.server} this reader owns. */
    static final List<String> SERVER_KEYS = List.of("tls", "max-request-header-size", "max-header-count");

    static final Set<String> JWT_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512");
    private static final Set<String> TLS_PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}");
    /** Identity headers: clients can never send these upstream themselves (see AuthHeaders). */
    private static final Pattern AUTH_HEADER = Pattern.compile("X-Auth-[A-Za-z0-9-]{1,56}", Pattern.CASE_INSENSITIVE);
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");

    private SecurityConfigReader() {
    }

    static SecuritySettings read(Section nexus, List<ConfigProblem> problems) {
        Section server = nexus.section("server");
        long headerSize = server.bytes("max-request-header-size", 1024, 8 * 1024);
        if (headerSize > 1L << 20) {
            server.problem("max-request-header-size", "must be at most 1MiB, was " + headerSize + " bytes");
            headerSize = 8 * 1024;
        }
        RequestLimits limits = new RequestLimits((int) headerSize, server.intBetween("max-header-count", 1, 10_000, 100));
        Section tlsSection = server.section("tls");
        TlsSettings tls = tls(tlsSection, problems);
        tlsSection.finish();
        Map<String, AuthSettings> auth = new LinkedHashMap<>();
        Section authSection = nexus.section("auth");
        for (Map.Entry<String, ConfigValue> entry : authSection.object().entrySet()) {
            String name = entry.getKey();
            authSection.accept(name);
            if (!(entry.getValue() instanceof ConfigObject)) {
                authSection.problem(name, "must be an object with a type (api-key or jwt)");
                continue;
            }
            if (!NAME.matcher(name).matches()) {
                authSection.problem(name, "auth name must match " + NAME.pattern());
            }
            Section provider = authSection.section(name);
            AuthSettings settings = provider(name, provider, problems);
            provider.finish();
            if (settings != null) {
                auth.put(name, settings);
            }
        }
        return new SecuritySettings(limits, tls, auth);
    }

    /**
     * A route's {@code auth}: the name of an entry of {@code nexus.auth}, or
     * {@code { provider = "users", required-scopes = [...], required-claims { ... } }} for a JWT
     * provider with requirements of this route on top of the provider's own.
     */
    static Optional<AuthSettings> routeAuth(Section route, Map<String, AuthSettings> providers) {
        if (!route.has("auth")) {
            return Optional.empty();
        }
        List<String> scopes = List.of();
        Map<String, String> claims = Map.of();
        String name;
        if (route.object().get("auth") instanceof ConfigObject) {
            Section auth = route.section("auth");
            name = auth.requiredString("provider");
            scopes = auth.stringList("required-scopes");
            claims = claims(auth.section("required-claims"));
            auth.finish();
            if (name == null) {
                return Optional.empty();
            }
        } else {
            name = route.string("auth", null);
        }
        AuthSettings settings = providers.get(name);
        if (settings == null) {
            route.problem("auth", "unknown auth \"" + name + "\" (known: " + String.join(", ", new TreeSet<>(providers.keySet())) + ")");
            return Optional.empty();
        }
        if (scopes.isEmpty() && claims.isEmpty()) {
            return Optional.of(settings);
        }
        if (!(settings instanceof AuthSettings.Jwt jwt)) {
            route.problem("auth", "required-scopes and required-claims need a jwt provider, \"" + name + "\" is " + settings.getClass().getSimpleName());
            return Optional.empty();
        }
        return Optional.of(jwt.withRequirements(scopes, claims));
    }

    private static Map<String, String> claims(Section section) {
        Map<String, String> claims = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> entry : section.object().entrySet()) {
            section.accept(entry.getKey());
            claims.put(entry.getKey(), String.valueOf(entry.getValue().unwrapped()));
        }
        return claims;
    }

    private static TlsSettings tls(Section s, List<ConfigProblem> problems) {
        boolean enabled = s.bool("enabled", false);
        int port = s.intBetween("port", 0, 65535, 8443);
        List<String> protocols = s.stringList("protocols");
        for (String protocol : protocols) {
            if (!TLS_PROTOCOLS.contains(protocol)) {
                s.problem("protocols", "unsupported protocol \"" + protocol + "\" (TLSv1.2, TLSv1.3)");
            }
        }
        if (protocols.isEmpty() && s.has("protocols")) {
            s.problem("protocols", "needs at least one protocol");
        }
        boolean http2 = s.bool("http2", true);
        Duration reloadInterval = s.duration("reload-interval", Duration.ZERO, Duration.ofSeconds(10));
        List<TlsSettings.Certificate> certificates = new ArrayList<>();
        List<ConfigValue> values = s.list("certificates");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
            String label = s.keyPath("certificates[" + i + "]");
            if (!(values.get(i) instanceof ConfigObject object)) {
                s.problem("certificates", "certificates[" + i + "]: must be an object");
                continue;
            }
            List<ConfigProblem> own = new ArrayList<>();
            Section c = new Section(object, label, own);
            String name = c.string("name", "cert-" + i);
            if (!names.add(name)) {
                c.problem("name", "duplicate certificate name \"" + name + "\"");
            }
            Optional<Path> keystore = c.optionalString("keystore").map(Path::of);
            String password = c.string("keystore-password", "");
            Optional<Path> certificate = c.optionalString("certificate").map(Path::of);
            Optional<Path> privateKey = c.optionalString("private-key").map(Path::of);
            c.finish();
            if (keystore.isPresent() == (certificate.isPresent() || privateKey.isPresent())) {
                c.problem("keystore", "give either keystore (PKCS12) or certificate and private-key (PEM)");
            } else if (keystore.isEmpty() && (certificate.isEmpty() || privateKey.isEmpty())) {
                c.problem("certificate", "PEM needs both certificate and private-key");
            }
            if (enabled) {
                for (Path file : List.of(keystore, certificate, privateKey).stream().flatMap(Optional::stream).toList()) {
                    if (!Files.isReadable(file)) {
                        c.problem("name", "file not found or not readable: " + file);
                    }
                }
            }
            problems.addAll(own);
            if (own.isEmpty()) {
                certificates.add(new TlsSettings.Certificate(name, keystore, password, certificate, privateKey));
            }
        }
        if (enabled && values.isEmpty()) {
            s.problem("certificates", "TLS needs at least one certificate");
        }
        return new TlsSettings(enabled, port, certificates, protocols.isEmpty() ? List.of("TLSv1.3", "TLSv1.2") : protocols, http2, reloadInterval);
    }

    private static AuthSettings provider(String name, Section s, List<ConfigProblem> problems) {
        String type = s.requiredString("type");
        if (type == null) {
            return null;
        }
        return switch (type) {
            case "api-key" -> apiKey(name, s, problems);
            case "jwt" -> jwt(name, s);
            default -> {
                s.problem("type", "unknown auth type \"" + type + "\" (api-key, jwt)");
                yield null;
            }
        };
    }

    private static AuthSettings.ApiKey apiKey(String name, Section s, List<ConfigProblem> problems) {
        String header = s.string("header", "X-API-Key");
        if (!HEADER.matcher(header).matches()) {
            s.problem("header", "bad header name \"" + header + "\"");
        }
        Optional<String> query = s.optionalString("query-parameter");
        if (query.isPresent() && !HEADER.matcher(query.get()).matches()) {
            s.problem("query-parameter", "bad query parameter name \"" + query.get() + "\"");
        }
        boolean forward = s.bool("forward-credential", false);
        List<AuthSettings.ApiKey.Key> keys = new ArrayList<>();
        List<ConfigValue> values = s.list("keys");
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
            String label = s.keyPath("keys[" + i + "]");
            if (!(values.get(i) instanceof ConfigObject object)) {
                s.problem("keys", "keys[" + i + "]: must be { id = ..., sha256 = ... }");
                continue;
            }
            List<ConfigProblem> own = new ArrayList<>();
            Section k = new Section(object, label, own);
            String id = k.requiredString("id");
            String sha256 = k.requiredString("sha256");
            k.finish();
            if (id != null && !NAME.matcher(id).matches()) {
                k.problem("id", "key id must match " + NAME.pattern());
            } else if (id != null && !ids.add(id)) {
                k.problem("id", "duplicate key id \"" + id + "\"");
            }
            if (sha256 != null && !SHA256_HEX.matcher(sha256).matches()) {
                // Never echo the value: it may be a key pasted by mistake.
                k.problem("sha256", "must be the 64 hex digits of the key's SHA-256 (printf %s KEY | sha256sum)");
            }
            problems.addAll(own);
            if (own.isEmpty()) {
                keys.add(new AuthSettings.ApiKey.Key(id, sha256.toLowerCase(Locale.ROOT)));
            }
        }
        if (values.isEmpty()) {
            s.problem("keys", "an api-key auth needs at least one key");
        }
        return new AuthSettings.ApiKey(name, header, query, keys, forward);
    }

    private static AuthSettings.Jwt jwt(String name, Section s) {
        Set<String> algorithms = new LinkedHashSet<>();
        for (String algorithm : s.stringList("algorithms")) {
            if (!JWT_ALGORITHMS.contains(algorithm)) {
                s.problem("algorithms", "unsupported algorithm \"" + algorithm + "\" (" + String.join(", ", new TreeSet<>(JWT_ALGORITHMS)) + ")");
            } else {
                algorithms.add(algorithm);
            }
        }
        if (algorithms.isEmpty()) {
            s.problem("algorithms", "a jwt auth needs at least one algorithm");
        }
        Optional<String> issuer = s.optionalString("issuer");
        Optional<String> audience = s.optionalString("audience");
        Duration clockSkew = s.duration("clock-skew", Duration.ZERO, Duration.ofSeconds(30));
        boolean requireExpiry = s.bool("require-expiry", true);
        List<String> publicKeys = new ArrayList<>(s.stringList("public-keys"));
        for (String file : s.stringList("public-key-files")) {
            try {
                publicKeys.add(Files.readString(Path.of(file)));
            } catch (java.io.IOException | RuntimeException e) {
                s.problem("public-key-files", "cannot read " + file + ": " + e.getMessage());
            }
        }
        Optional<String> secret = s.optionalString("hmac-secret").filter(v -> !v.isEmpty());
        Optional<Path> jwksFile = s.optionalString("jwks-file").map(Path::of);
        if (jwksFile.isPresent() && !Files.isReadable(jwksFile.get())) {
            s.problem("jwks-file", "file not found or not readable: " + jwksFile.get());
        }
        Optional<URI> jwksUrl = s.optionalString("jwks-url").map(url -> {
            try {
                URI uri = new URI(url);
                if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                    return uri;
                }
            } catch (URISyntaxException e) {
                // reported below
            }
            s.problem("jwks-url", "must be an http:// or https:// URL, was \"" + url + "\"");
            return null;
        });
        Duration jwksRefresh = s.duration("jwks-refresh", Duration.ofMillis(50), Duration.ofSeconds(10));
        boolean symmetric = algorithms.stream().anyMatch(a -> a.startsWith("HS"));
        boolean asymmetric = algorithms.stream().anyMatch(a -> !a.startsWith("HS"));
        if (symmetric && secret.isEmpty() && jwksFile.isEmpty() && jwksUrl.isEmpty()) {
            s.problem("hmac-secret", "HS algorithms need an hmac-secret (or oct keys in a jwks-file)");
        }
        secret.ifPresent(v -> {
            if (v.getBytes(StandardCharsets.UTF_8).length < 32) {
                s.problem("hmac-secret", "must be at least 32 bytes (256 bits)");
            }
        });
        if (asymmetric && publicKeys.isEmpty() && jwksFile.isEmpty() && jwksUrl.isEmpty()) {
            s.problem("algorithms", "RS/ES algorithms need public-keys, public-key-files, a jwks-file or a jwks-url");
        }
        Map<String, String> forwardClaims = new LinkedHashMap<>();
        Section forward = s.section("forward-claims");
        for (Map.Entry<String, ConfigValue> entry : forward.object().entrySet()) {
            forward.accept(entry.getKey());
            Object header = entry.getValue().unwrapped();
            if (entry.getValue().valueType() != ConfigValueType.STRING || !AUTH_HEADER.matcher((String) header).matches()) {
                forward.problem(entry.getKey(), "must name a header X-Auth-... (clients can never send those themselves)");
            } else {
                forwardClaims.put(entry.getKey(), (String) header);
            }
        }
        List<String> scopes = s.stringList("required-scopes");
        Map<String, String> requiredClaims = claims(s.section("required-claims"));
        boolean forwardCredential = s.bool("forward-credential", false);
        return new AuthSettings.Jwt(name, algorithms, issuer, audience, clockSkew, requireExpiry, publicKeys, secret, jwksFile,
            jwksUrl, jwksRefresh, forwardClaims, scopes, requiredClaims, forwardCredential);
    }
}
