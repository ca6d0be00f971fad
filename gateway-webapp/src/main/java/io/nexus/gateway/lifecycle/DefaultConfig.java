package io.nexus.gateway.lifecycle;

import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.InvalidConfigException;
import io.nexus.gateway.reload.ConfigPlane;
import io.nexus.gateway.reload.InitialConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The default configuration bundled in the WAR and the launcher: a copy of {@code conf/gateway.conf}. */
public final class DefaultConfig {

    /** Names the config file for both the launcher and the WAR. */
    public static final String ENVIRONMENT_VARIABLE = "NEXUS_CONFIG";
    /** The classpath resource holding the bundled default. */
    public static final String RESOURCE = "nexus/gateway.conf";
    private static final String SOURCE_NAME = "classpath:" + RESOURCE;

    private DefaultConfig() {
    }

    /** The bundled text. */
    public static String text() {
        try (InputStream in = DefaultConfig.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the bundled default config " + RESOURCE + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static GatewayConfig load(Map<String, String> environment) throws InvalidConfigException {
        return ConfigLoader.parse(text(), SOURCE_NAME, environment);
    }

    /** The bundled default as a gateway's first version; there is no file to watch. */
    public static InitialConfig initial(ConfigLoader loader) throws InvalidConfigException {
        return InitialConfig.fromText(text(), SOURCE_NAME, ConfigPlane.SOURCE_DEFAULT, loader);
    }
}
