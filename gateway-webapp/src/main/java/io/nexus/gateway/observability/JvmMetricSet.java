package io.nexus.gateway.observability;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmNativeMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.management.ManagementFactory;

/**
 * The Prometheus client's JVM metrics, as {@code JvmMetrics} registers them, except that the
 * native-memory ones are asked for only when the JVM tracks native memory. Without tracking they
 * export nothing, but finding that out starts the platform MBean server and runs a diagnostic
 * command: ~50 ms of a one-CPU start-up (a twentieth of it; docs/performance.md, "Start-up on one CPU").
 */
final class JvmMetricSet {

    private JvmMetricSet() {
    }

    static void register(PrometheusRegistry registry) {
        JvmThreadsMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmMemoryPoolAllocationMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        if (tracksNativeMemory()) {
            JvmNativeMemoryMetrics.builder().register(registry);
        }
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
    }

    /** Whether {@code -XX:NativeMemoryTracking} is summary or detail (not a HotSpot JVM: asked anyway). */
    static boolean tracksNativeMemory() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return hotspot == null || !"off".equals(hotspot.getVMOption("NativeMemoryTracking").getValue());
        } catch (IllegalArgumentException | LinkageError e) {
            return true;
        }
    }
}
