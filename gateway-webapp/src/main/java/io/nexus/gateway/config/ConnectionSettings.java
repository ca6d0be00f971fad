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

    /** What {@code auto} allows per connection of heap. */
    public static final long AUTO_HEAP_PER_CONNECTION = 16 * 1024;
    public static final int AUTO_MIN = 256;
    public static final int AUTO_MAX = 65_536;

    /** reference.conf's defaults, with {@code auto} for this JVM. */
    public static final ConnectionSettings DEFAULTS =
        new ConnectionSettings(auto(Runtime.getRuntime().maxMemory()), true, Duration.ofSeconds(30), Duration.ofSeconds(10), 0, 0, 90,
            Duration.ofSeconds(2), 511, true);

    /** {@code auto}: the maximum heap over 16 KiB, between 256 and 65,536. */
    public static int auto(long maxHeapBytes) {
        return (int) Math.clamp(maxHeapBytes / AUTO_HEAP_PER_CONNECTION, AUTO_MIN, AUTO_MAX);
    }
}
