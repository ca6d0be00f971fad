package io.nexus.gateway.lifecycle;

import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.InvalidConfigException;
import java.nio.file.Path;

/**
 * Finds the config of a WAR deployment: the {@code nexus.config} system property, else the
 * {@code NEXUS_CONFIG} environment variable, else the default bundled in the WAR.
 */
final class WarConfig {

    static final String PROPERTY = "nexus.config";

    private WarConfig() {
    }

    static GatewayConfig load() {
        String file = System.getProperty(PROPERTY);
        if (file == null || file.isBlank()) {
            file = System.getenv(DefaultConfig.ENVIRONMENT_VARIABLE);
        }
        try {
            return file == null || file.isBlank() ? DefaultConfig.load(System.getenv()) : ConfigLoader.load(Path.of(file));
        } catch (InvalidConfigException e) {
            // Fails the deployment: the webapp stays unavailable and the reason is in the log.
            throw new IllegalStateException("Invalid Nexus configuration: " + e.getMessage(), e);
        }
    }
}
