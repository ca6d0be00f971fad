package io.nexus.gateway.upstream;

import java.net.URI;

/**
 * One server of an upstream. Its health flag is written by health checking and read by every
 * pick, so it is volatile: a pick sees a change at once and never needs a lock.
 */
public final class Target {

    private final URI url;
    private final String base;
    private final int weight;
    private volatile boolean healthy = true;

    public Target(URI url, int weight) {
        this.url = url;
        // The base is scheme://authority[/path] with no trailing slash; request paths start with "/".
        this.base = url.toString();
        this.weight = weight;
    }

    public URI url() {
        return url;
    }

    /** The URL to prepend to an upstream path. */
    public String base() {
        return base;
    }

    public int weight() {
        return weight;
    }

    public boolean isHealthy() {
        return healthy;
    }

    public void setHealthy(boolean healthy) {
        this.healthy = healthy;
    }

    @Override
    public String toString() {
        return base + (healthy ? "" : " (unhealthy)");
    }
}
