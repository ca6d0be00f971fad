package io.nexus.gateway.config;

import io.nexus.gateway.config.RateLimitSettings.Key;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads and checks a route's {@code rate-limit} block; defaults are documented in docs/configuration.md. */
final class RateLimitConfig {

    // RFC 9110 §5.1 token characters.
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");
    static final int DEFAULT_MAX_KEYS = 100_000;

    private RateLimitConfig() {
    }

    /**
     * A route's limit when it has a {@code rate-limit} block, which also adds the
     * {@code rate-limit} middleware to {@code middlewares}; listing the middleware without the
     * block is a problem.
     */
    static Optional<RateLimitSettings> forRoute(Section route, List<String> middlewares) {
        if (!route.has("rate-limit")) {
            if (middlewares.contains("rate-limit")) {
                route.problem("middlewares", "rate-limit needs the route's rate-limit block");
            }
            return Optional.empty();
        }
        Section section = route.section("rate-limit");
        RateLimitSettings settings = read(section);
        section.finish();
        if (!middlewares.contains("rate-limit")) {
            middlewares.add("rate-limit");
        }
        return Optional.of(settings);
    }

    static RateLimitSettings read(Section s) {
        int requests = s.intBetween("requests", 1, 1_000_000_000, 100);
        if (!s.has("requests")) {
            s.problem("requests", "is required");
        }
        Duration window = s.duration("window", Duration.ofMillis(10), Duration.ofSeconds(1));
        if (window.compareTo(Duration.ofDays(1)) > 0) {
            s.problem("window", "must be at most 1d, was " + window.toMillis() + "ms");
            window = Duration.ofSeconds(1);
        }
        String keyName = s.string("key", Key.CLIENT_IP.configName());
        Key key = Key.fromConfigName(keyName);
        if (key == null) {
            s.problem("key", "unknown key \"" + keyName + "\" (client-ip, header, subject, route)");
            key = Key.CLIENT_IP;
        }
        Optional<String> header = s.optionalString("header");
        if (header.isPresent() && !HEADER_NAME.matcher(header.get()).matches()) {
            s.problem("header", "bad header name \"" + header.get() + "\"");
        } else if (key == Key.HEADER && header.isEmpty()) {
            s.problem("header", "is required when key = header");
        } else if (header.isPresent() && key != Key.HEADER) {
            s.problem("header", "only applies to key = header");
        }
        List<String> trusted = s.stringList("trusted-proxies");
        for (String cidr : trusted) {
            try {
                IpLiteral.cidr(cidr);
            } catch (IllegalArgumentException e) {
                s.problem("trusted-proxies", e.getMessage());
            }
        }
        int maxKeys = s.intBetween("max-keys", 1, 100_000_000, DEFAULT_MAX_KEYS);
        return new RateLimitSettings(requests, window, key, header, trusted, maxKeys);
    }
}
