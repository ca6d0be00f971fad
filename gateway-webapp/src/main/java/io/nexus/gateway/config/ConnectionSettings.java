package io.nexus.gateway.config;

import java.time.Duration;

/**
 * The client connections of the public connectors (launcher only): how many may be open, how
 * long one may idle, how long a request's header may take, and how slow a request body may be.
 *
 * @param maxConnections open connections over the public connectors together (plain and TLS)
 * @param maxConnectionsAuto whether {@code maxConnections} was derived from the heap ({@code auto})
 * @param idleTimeout a kept-alive connection idle this long is closed
 * @param headerReadTimeout a request whose header has not fully arrived this long after it began closes its connection
 * @param minRequestBodyRate bytes per second a request body must average, else 408; 0: no minimum
 * @param headerCacheSize capacity of an HTTP/1.1 connection's cache of header fields seen on earlier requests (0: none)
 * @param pressureThresholdPercent percentage of {@code maxConnections} open from which idle connections get {@code pressureIdleTimeout}
 * @param pressureIdleTimeout the idle timeout under connection pressure
 * @param acceptQueueSize the listen backlog of the public connectors
 * @param http2Cleartext whether the plain public connector also speaks HTTP/2 by prior knowledge (h2c)
 */
public record ConnectionSettings(int maxConnections, boolean maxConnectionsAuto, Duration idleTimeout, Duration headerReadTimeout,
                                 long minRequestBodyRate, int headerCacheSize, int pressureThresholdPercent, Duration pressureIdleTimeout,
                                 int acceptQueueSize, boolean http2Cleartext) {

    /** What {@code auto} allows per connection of heap when clients speak HTTP/1.1 only (~6 KiB measured). */
    public static final long AUTO_HEAP_PER_CONNECTION = 16 * 1024;
    /**
     * What {@code auto} allows per connection when a public connector speaks HTTP/2 (h2c, or h2
     * by ALPN on the TLS port): an HTTP/2 connection holds ~23 KB of heap (HPACK tables, stream
     * state, flow-control windows; docs/performance.md), so the same share of the heap admits a
     * third as many.
     */
    public static final long AUTO_HEAP_PER_HTTP2_CONNECTION = 48 * 1024;
    public static final int AUTO_MIN = 256;
    public static final int AUTO_MAX = 65_536;

    /** reference.conf's defaults, with {@code auto} for this JVM. */
    public static final ConnectionSettings DEFAULTS =
        new ConnectionSettings(auto(Runtime.getRuntime().maxMemory(), true), true, Duration.ofSeconds(30), Duration.ofSeconds(10), 0, 0, 90,
            Duration.ofSeconds(2), 511, true);

    /**
     * {@code auto}: the maximum heap over 48 KiB when a public connector speaks HTTP/2, else over
     * 16 KiB, between 256 and 65,536.
     */
    public static int auto(long maxHeapBytes, boolean http2) {
        return (int) Math.clamp(maxHeapBytes / (http2 ? AUTO_HEAP_PER_HTTP2_CONNECTION : AUTO_HEAP_PER_CONNECTION), AUTO_MIN, AUTO_MAX);
    }
}
