package io.nexus.gateway.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class JvmMetricSetTest {

    @Test
    void registersTheClientsJvmMetricsAndNativeMemoryOnlyWhenTracked() {
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetricSet.register(registry);

        Set<String> names = registry.scrape().stream().map(snapshot -> snapshot.getMetadata().getPrometheusName()).collect(Collectors.toSet());
        assertThat(names).contains("jvm_memory_used_bytes", "jvm_threads_current", "jvm_gc_collection_seconds", "jvm_classes_loaded",
            "jvm_buffer_pool_used_bytes", "jvm_compilation_time_seconds", "jvm_runtime", "process_cpu_seconds");
        // The test JVM runs without -XX:NativeMemoryTracking.
        assertThat(JvmMetricSet.tracksNativeMemory()).isFalse();
        assertThat(names).noneMatch(name -> name.startsWith("jvm_native_memory"));
    }
}
