package io.nexus.launcher;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.eclipse.jetty.io.ArrayByteBufferPool;

/**
 * The server's pool of I/O buffers, with explicit limits: buffers go back to the pool while a
 * connection is idle, and what the pool keeps for reuse is at most a sixteenth of the maximum
 * heap, on the heap and in direct memory each (beyond it, released buffers are dropped for the
 * GC). Gauge {@code nexus_buffer_pool_bytes{memory}}: what the pool holds for reuse now.
 */
final class BufferPool {

    /** Share of the maximum heap the pool may keep, per kind of memory. */
    static final int HEAP_FRACTION = 16;

    private BufferPool() {
    }

    static ArrayByteBufferPool bounded(long maxHeapBytes) {
        long limit = maxHeapBytes / HEAP_FRACTION;
        // Jetty's defaults for the bucket sizes (-1), explicit limits for what is retained.
        return new ArrayByteBufferPool(0, -1, -1, -1, limit, limit);
    }

    static void register(ArrayByteBufferPool pool, PrometheusRegistry registry) {
        GaugeWithCallback.builder()
            .name("nexus_buffer_pool_bytes")
            .help("Bytes of I/O buffers the server's pool keeps for reuse, by memory (heap, direct); at most 1/16 of the maximum heap each.")
            .labelNames("memory")
            .callback(callback -> {
                callback.call(pool.getHeapMemory(), "heap");
                callback.call(pool.getDirectMemory(), "direct");
            })
            .register(registry);
    }
}
