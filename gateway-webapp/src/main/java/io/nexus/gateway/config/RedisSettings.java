package io.nexus.gateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code nexus.redis}: where routes with {@code rate-limit { scope = cluster }} keep the counts
 * every replica shares, read by {@link RedisSettingsReader}.
 *
 * @param uris {@code redis://host:port} (or {@code rediss://} for TLS): the server, or with
 *     {@code cluster} the seed nodes of a Redis Cluster
 * @param cluster whether {@code uris} name a Redis Cluster
 * @param timeout the longest a request waits for Redis before its route falls back to its local limiter
 * @param password the AUTH password, if the server wants one (never written in a URI)
 */
public record RedisSettings(List<URI> uris, boolean cluster, Duration timeout, Optional<String> password) {

    public RedisSettings {
        uris = List.copyOf(uris);
    }

    @Override
    public String toString() {
        // Records print every component: keep the password out of logs.
        return "RedisSettings[uris=" + uris + ", cluster=" + cluster + ", timeout=" + timeout + ", password=" + (password.isPresent() ? "<redacted>" : "none") + "]";
    }
}
