package io.nexus.gateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads {@code nexus.redis} into {@link RedisSettings}; read whether or not a route uses it, so that a mistake shows at once. */
final class RedisSettingsReader {

    private static final Duration MAX_TIMEOUT = Duration.ofSeconds(10);

    private RedisSettingsReader() {
    }

    static RedisSettings read(Section s) {
        List<URI> uris = new ArrayList<>();
        List<String> texts = s.stringList("uris");
        if (texts.isEmpty()) {
            s.problem("uris", "must name at least one redis:// or rediss:// URI");
        }
        for (String text : texts) {
            URI uri = uri(s, text);
            if (uri != null) {
                uris.add(uri);
            }
        }
        Duration timeout = s.duration("timeout", Duration.ofMillis(1));
        if (timeout.compareTo(MAX_TIMEOUT) > 0) {
            s.problem("timeout", "must be at most 10s (requests wait this long for Redis), was " + timeout.toMillis() + "ms");
        }
        Optional<String> password = s.optionalString("password").filter(p -> !p.isEmpty());
        return new RedisSettings(uris, s.bool("cluster"), timeout, password);
    }

    /** {@code null} after a problem. */
    private static URI uri(Section s, String text) {
        try {
            URI uri = URI.create(text);
            if (!("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme())) || uri.getHost() == null) {
                s.problem("uris", "must be redis://host:port or rediss://host:port, was \"" + text + "\"");
                return null;
            }
            if (uri.getUserInfo() != null) {
                // A URI is shown unredacted by the admin API; the password key is redacted.
                s.problem("uris", "must not carry credentials (set nexus.redis.password, e.g. from NEXUS_REDIS_PASSWORD), was a URI with user info");
                return null;
            }
            return uri;
        } catch (IllegalArgumentException e) {
            s.problem("uris", "bad URI \"" + text + "\"");
            return null;
        }
    }
}
