package io.nexus.gateway.lifecycle;

import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.InvalidConfigException;
import io.nexus.gateway.reload.InitialConfig;
import io.nexus.gateway.reload.LastKnownGood;
import java.nio.file.Path;

/**
 * Finds the config of a WAR deployment: the {@code nexus.config} system property, else the
 * {@code NEXUS_CONFIG} environment variable, else the WAR's bundled default (no routes). The
 * last-known-good copy: {@code nexus.last-known-good}, else {@code NEXUS_LAST_KNOWN_GOOD}, else
 * the default path.
 */
final class WarConfig {

    static final String PROPERTY = "nexus.config";
    static final String LAST_KNOWN_GOOD_PROPERTY = "nexus.last-known-good";

    private WarConfig() {
    }

    static LastKnownGood lastKnownGood() {
        String setting = System.getProperty(LAST_KNOWN_GOOD_PROPERTY);
        if (setting == null || setting.isBlank()) {
            setting = System.getenv(LastKnownGood.ENVIRONMENT_VARIABLE);
        }
        return LastKnownGood.fromSetting(setting);
    }

    static InitialConfig load(ConfigLoader loader, LastKnownGood lastKnownGood) {
        String file = System.getProperty(PROPERTY);
        if (file == null || file.isBlank()) {
            file = System.getenv(DefaultConfig.ENVIRONMENT_VARIABLE);
        }
        try {
            return file == null || file.isBlank()
                ? DefaultConfig.warInitial(loader)
                : InitialConfig.fromFile(Path.of(file), loader, lastKnownGood);
        } catch (InvalidConfigException e) {
            // Fails the deployment: the webapp stays unavailable and the reason is in the log.
            throw new IllegalStateException("Invalid Nexus configuration: " + e.getMessage(), e);
        }
    }
}
