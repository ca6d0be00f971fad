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
import javax.security.auth.x500.X500Principal;

/**
 * Reads the providers of {@code nexus.auth}, each over reference.conf's template for its type
 * ({@code nexus-block-defaults.auth.api-key} or {@code .jwt}), and a route's {@code auth} key.
 * Problems go to the same list as the rest of the config, with key and line.
 */
final class AuthSettingsReader {

    private static final Set<String> JWT_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512");
    private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}");
    /** Identity headers: clients can never send these upstream themselves (see AuthHeaders). */
    private static final Pattern AUTH_HEADER = Pattern.compile("X-Auth-[A-Za-z0-9-]{1,56}", Pattern.CASE_INSENSITIVE);
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
    /** The most {@code clock-skew} may be: each second of it is a second an expired token still passes. */
    private static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

    private AuthSettingsReader() {
    }

    /** The entries of {@code nexus.auth} that are valid, by name. */
    static Map<String, AuthSettings> read(Section authSection, List<ConfigProblem> problems) {
        Map<String, AuthSettings> auth = new LinkedHashMap<>();
        authSection.namedObjects("auth", "a type (api-key, jwt or client-cert)").forEach((name, object) ->
            provider(name, object, authSection.keyPath(name), problems).ifPresent(settings -> auth.put(name, settings)));
        return auth;
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
            Section auth = route.section("auth", ReferenceConfig.blockDefaults("route.auth"));
            name = auth.nonBlankString("provider");
            scopes = auth.stringList("required-scopes");
            claims = claims(auth.section("required-claims"));
        } else {
            name = route.string("auth");
        }
        if (name == null) {
            return Optional.empty();
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

    private static Optional<AuthSettings> provider(String name, ConfigObject object, String label, List<ConfigProblem> problems) {
        // The type picks the template the entry is merged over, so it is read on its own first.
        Section typed = new Section(object, label, problems);
        String type = typed.nonBlankString("type");
        if (type == null) {
            return Optional.empty();
        }
        if (!type.equals("api-key") && !type.equals("jwt") && !type.equals("client-cert")) {
            typed.problem("type", "unknown auth type \"" + type + "\" (api-key, jwt, client-cert)");
            return Optional.empty();
        }
        Section s = Section.merged(object, ReferenceConfig.blockDefaults("auth." + type), label, problems);
        s.accept("type");
        AuthSettings settings = switch (type) {
            case "jwt" -> jwt(name, s);
            case "client-cert" -> clientCert(name, s);
            default -> apiKey(name, s, problems);
        };
        s.finish();
        return Optional.of(settings);
    }

    private static AuthSettings.ClientCert clientCert(String name, Section s) {
        List<String> subjects = s.stringList("subjects");
        for (String subject : subjects) {
            try {
                new X500Principal(subject);
            } catch (IllegalArgumentException e) {
                s.problem("subjects", "\"" + subject + "\" is not a distinguished name (CN=billing,O=Example): " + e.getMessage());
            }
        }
        List<String> sans = s.stringList("sans");
        for (String san : sans) {
            if (san.isBlank()) {
                s.problem("sans", "a subject alternative name must not be blank");
            }
        }
        return new AuthSettings.ClientCert(name, subjects, sans);
    }

    private static AuthSettings.ApiKey apiKey(String name, Section s, List<ConfigProblem> problems) {
        String header = s.string("header");
        if (header != null && !HEADER.matcher(header).matches()) {
            s.problem("header", "bad header name \"" + header + "\"");
        }
        Optional<String> query = s.optionalString("query-parameter");
        if (query.isPresent() && !HEADER.matcher(query.get()).matches()) {
            s.problem("query-parameter", "bad query parameter name \"" + query.get() + "\"");
        }
        boolean forward = s.bool("forward-credential");
        List<AuthSettings.ApiKey.Key> keys = new ArrayList<>();
        // Absent or empty alike: a provider without keys would refuse every request.
        List<ConfigValue> values = s.optionalList("keys").orElse(List.of());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
            String label = s.keyPath("keys[" + i + "]");
            if (!(values.get(i) instanceof ConfigObject object)) {
                s.problem("keys", "keys[" + i + "]: must be { id = ..., sha256 = ... }");
                continue;
            }
            List<ConfigProblem> own = new ArrayList<>();
            Section k = new Section(object, label, own);
            String id = k.nonBlankString("id");
            String sha256 = k.nonBlankString("sha256");
            k.finish();
            if (id != null && !Section.NAME.matcher(id).matches()) {
                k.problem("id", "key id must match " + Section.NAME.pattern());
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
        // Absent or empty alike: there is no default set of algorithms to trust.
        for (String algorithm : s.optionalStringList("algorithms").orElse(List.of())) {
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
        Duration clockSkew = s.duration("clock-skew", Duration.ZERO);
        if (clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
            // A long skew keeps an expired token valid that much longer.
            s.problem("clock-skew", "must be at most 5m, was " + clockSkew.toSeconds() + "s");
        }
        boolean requireExpiry = s.bool("require-expiry");
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
        boolean allowInsecureJwks = s.bool("allow-insecure-jwks");
        Optional<URI> jwksUrl = s.optionalString("jwks-url").map(url -> {
            try {
                URI uri = new URI(url);
                if ("https".equals(uri.getScheme()) && uri.getHost() != null) {
                    return uri;
                }
                if ("http".equals(uri.getScheme()) && uri.getHost() != null) {
                    if (allowInsecureJwks) {
                        return uri;
                    }
                    // Not the URL itself: it may carry credentials.
                    s.problem("jwks-url", "an http:// JWKS URL lets anyone on the path swap the keys: use https://, or set allow-insecure-jwks = true");
                    return null;
                }
            } catch (URISyntaxException e) {
                // reported below
            }
            s.problem("jwks-url", "must be an https:// URL (http:// with allow-insecure-jwks = true)");
            return null;
        });
        Duration jwksRefresh = s.duration("jwks-refresh", Duration.ofMillis(50));
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
        boolean forwardCredential = s.bool("forward-credential");
        return new AuthSettings.Jwt(name, algorithms, issuer, audience, clockSkew, requireExpiry, publicKeys, secret, jwksFile,
            jwksUrl, jwksRefresh, forwardClaims, scopes, requiredClaims, forwardCredential);
    }
}
