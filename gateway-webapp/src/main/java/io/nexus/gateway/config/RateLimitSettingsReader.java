package io.nexus.gateway.config;

import io.nexus.gateway.config.RateLimitSettings.Key;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads a route's {@code rate-limit} block, over reference.conf's {@code nexus-block-defaults.route.rate-limit}. */
final class RateLimitSettingsReader {

    // RFC 9110 §5.1 token characters.
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");
    private static final Duration MAX_WINDOW = Duration.ofDays(1);

    /** A {@code trusted-proxies} list of CIDRs (a rate limit's or a route's), each checked. */
    static List<String> trustedProxies(Section s) {
        List<String> trusted = s.stringList("trusted-proxies");
        for (String cidr : trusted) {
            try {
                IpLiteral.cidr(cidr);
            } catch (IllegalArgumentException e) {
                s.problem("trusted-proxies", e.getMessage());
            }
        }
        return trusted;
    }

    private RateLimitSettingsReader() {
    }

    /**
     * A route's limit when it has a {@code rate-limit} block, which also adds the
     * {@code rate-limit} middleware to {@code middlewares}; listing the middleware without the
     * block is a problem.
     */
    static Optional<RateLimitSettings> read(Section route, List<String> middlewares, RedisSettings redis) {
        if (!route.has("rate-limit")) {
            if (middlewares.contains(RouteSettings.RATE_LIMIT)) {
                route.problem("middlewares", "rate-limit needs the route's rate-limit block");
            }
            return Optional.empty();
        }
        Section s = route.section("rate-limit", ReferenceConfig.blockDefaults("route.rate-limit"));
        RateLimitSettings settings = read(s, redis);
        if (!middlewares.contains(RouteSettings.RATE_LIMIT)) {
            middlewares.add(RouteSettings.RATE_LIMIT);
        }
        return Optional.of(settings);
    }

    private static RateLimitSettings read(Section s, RedisSettings redis) {
        int requests = s.intBetween("requests", 1, 1_000_000_000);
        Duration window = s.duration("window", Duration.ofMillis(10));
        if (window.compareTo(MAX_WINDOW) > 0) {
            s.problem("window", "must be at most 1d, was " + window.toMillis() + "ms");
        }
        String keyName = s.string("key");
        Key key = keyName == null ? Key.CLIENT_IP : Key.fromConfigName(keyName);
        if (key == null) {
            s.problem("key", "unknown key \"" + keyName + "\" (client-ip, header, subject, route)");
            key = Key.CLIENT_IP;
        }
        // The only optional key: it names the header for key = header and means nothing otherwise.
        Optional<String> header = s.optionalString("header");
        if (header.isPresent() && !HEADER_NAME.matcher(header.get()).matches()) {
            s.problem("header", "bad header name \"" + header.get() + "\"");
        } else if (key == Key.HEADER && header.isEmpty()) {
            s.problem("header", "is required when key = header");
        } else if (header.isPresent() && key != Key.HEADER) {
            s.problem("header", "only applies to key = header");
        }
        List<String> trusted = trustedProxies(s);
        int maxKeys = s.intBetween("max-keys", 1, 100_000_000);
        int ipv6PrefixLength = s.intBetween("ipv6-prefix-length", 1, 128);
        String scope = s.string("scope");
        if (scope != null && !scope.equals("local") && !scope.equals("cluster")) {
            s.problem("scope", "must be local or cluster, was \"" + scope + "\"");
        }
        Optional<RedisSettings> store = "cluster".equals(scope) ? Optional.of(redis) : Optional.empty();
        return new RateLimitSettings(requests, window, key, header, trusted, maxKeys, ipv6PrefixLength, store);
    }
}
