package io.nexus.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A route's {@code rate-limit} block: at most {@code requests} per {@code window} for each key,
 * counted by a sliding-window counter. Defaults: reference.conf's
 * {@code nexus-block-defaults.route.rate-limit}.
 *
 * @param requests requests allowed per window and key (1 or more)
 * @param window the length of a window
 * @param key what a request is counted under
 * @param header the request header whose value is the key; set exactly when {@code key} is
 *     {@link Key#HEADER} (validation refuses it with any other key: the subject of
 *     {@link Key#SUBJECT} comes from the route's {@code auth}, never from a header)
 * @param trustedProxies CIDRs of proxies whose {@code X-Forwarded-For} is believed ({@link Key#CLIENT_IP})
 * @param maxKeys the most keys tracked at once; beyond it the least recently used are dropped
 * @param ipv6PrefixLength IPv6 clients are counted by this prefix ({@link Key#CLIENT_IP}): one host
 *     holds a whole /64, so counting single addresses would let it rotate past the limit
 * @param redis {@code nexus.redis}, present exactly when {@code scope = cluster}: the counts live
 *     there, shared by every replica; absent ({@code scope = local}): in this process
 */
public record RateLimitSettings(int requests, Duration window, Key key, Optional<String> header,
                                List<String> trustedProxies, int maxKeys, int ipv6PrefixLength, Optional<RedisSettings> redis) {

    /** The IPv6 prefix of reference.conf. */
    public static final int DEFAULT_IPV6_PREFIX_LENGTH = 64;

    public RateLimitSettings {
        trustedProxies = List.copyOf(trustedProxies);
    }

    public RateLimitSettings(int requests, Duration window, Key key, Optional<String> header, List<String> trustedProxies, int maxKeys) {
        this(requests, window, key, header, trustedProxies, maxKeys, DEFAULT_IPV6_PREFIX_LENGTH);
    }

    /** A limit counted in this process ({@code scope = local}). */
    public RateLimitSettings(int requests, Duration window, Key key, Optional<String> header, List<String> trustedProxies, int maxKeys,
                             int ipv6PrefixLength) {
        this(requests, window, key, header, trustedProxies, maxKeys, ipv6PrefixLength, Optional.empty());
    }

    /** What a request is counted under. */
    public enum Key {
        /** The client's address, taken from {@code X-Forwarded-For} only behind trusted proxies. */
        CLIENT_IP("client-ip"),
        /** The value of a request header; requests without it share one key. */
        HEADER("header"),
        /** The authenticated subject (JWT {@code sub}, API key id), as the route's {@code auth} reports it; failed authentications count under the client's address. */
        SUBJECT("subject"),
        /** One key for the whole route. */
        ROUTE("route");

        private final String configName;

        Key(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        static Key fromConfigName(String name) {
            for (Key key : values()) {
                if (key.configName.equals(name)) {
                    return key;
                }
            }
            return null;
        }
    }
}
