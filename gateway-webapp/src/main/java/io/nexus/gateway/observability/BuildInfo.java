package io.nexus.gateway.observability;

import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.eclipse.jetty.util.Jetty;

/**
 * {@code nexus_build_info{version,java,jetty} 1}: what a replica runs, next to the config it runs
 * ({@code nexus_config_version_info}), so that a fleet's odd one out shows in one query.
 */
final class BuildInfo {

    private BuildInfo() {
    }

    static void register(PrometheusRegistry registry) {
        Info.builder()
            .name("nexus_build")
            .help("The gateway's version, the Java runtime's and Jetty's.")
            .labelNames("version", "java", "jetty")
            .register(registry)
            .setLabelValues(version(), Runtime.version().toString(), Jetty.VERSION);
    }

    /** The Maven project version, written into build.properties at build time. */
    static String version() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
