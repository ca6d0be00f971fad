package io.nexus.gateway.observability;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.PlatformManagedObject;
import java.lang.reflect.Method;
import java.util.function.ToLongFunction;

/**
 * Virtual-thread scheduler gauges from {@code jdk.management.VirtualThreadSchedulerMXBean}, which
 * JDK 24 added: the Prometheus client has none, and on the gateway's virtual threads these say
 * whether carriers are saturated. On JDK 21-23 the bean does not exist and nothing is registered.
 */
final class VirtualThreadMetrics {

    private static final String BEAN = "jdk.management.VirtualThreadSchedulerMXBean";

    private VirtualThreadMetrics() {
    }

    /** Registers the gauges when the running JDK has the bean; returns whether it did. */
    static boolean register(PrometheusRegistry registry) {
        Object bean;
        Method parallelism;
        Method poolSize;
        Method mounted;
        Method queued;
        try {
            // Compiled for Java 21, which lacks the type: found by name, methods resolved once.
            Class<? extends PlatformManagedObject> type = Class.forName(BEAN).asSubclass(PlatformManagedObject.class);
            bean = ManagementFactory.getPlatformMXBean(type);
            parallelism = type.getMethod("getParallelism");
            poolSize = type.getMethod("getPoolSize");
            mounted = type.getMethod("getMountedVirtualThreadCount");
            queued = type.getMethod("getQueuedVirtualThreadCount");
        } catch (ReflectiveOperationException | IllegalArgumentException | LinkageError e) {
            return false;
        }
        if (bean == null) {
            return false;
        }
        gauge(registry, "nexus_jvm_virtual_thread_parallelism", "Target number of carrier threads of the virtual-thread scheduler.", bean, parallelism);
        gauge(registry, "nexus_jvm_virtual_thread_carriers", "Carrier threads in the virtual-thread scheduler's pool (started, not yet terminated).", bean, poolSize);
        gauge(registry, "nexus_jvm_virtual_threads_mounted", "Virtual threads mounted on a carrier, i.e. running (an estimate).", bean, mounted);
        gauge(registry, "nexus_jvm_virtual_threads_queued", "Virtual threads queued to run, waiting for a carrier (an estimate).", bean, queued);
        return true;
    }

    private static void gauge(PrometheusRegistry registry, String name, String help, Object bean, Method getter) {
        ToLongFunction<Object> read = target -> {
            try {
                return ((Number) getter.invoke(target)).longValue();
            } catch (ReflectiveOperationException e) {
                return -1;
            }
        };
        GaugeWithCallback.builder()
            .name(name)
            .help(help)
            .callback(callback -> callback.call(read.applyAsLong(bean)))
            .register(registry);
    }
}
