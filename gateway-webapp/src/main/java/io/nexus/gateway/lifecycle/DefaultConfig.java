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

/**
 * The default configurations bundled in the build: the launcher's, a copy of
 * {@code conf/gateway.conf} with its demo route, and the WAR's, with no routes.
 */
public final class DefaultConfig {

    /** Names the config file for both the launcher and the WAR. */
    public static final String ENVIRONMENT_VARIABLE = "NEXUS_CONFIG";
    /** The classpath resource holding the bundled default. */
    public static final String RESOURCE = "nexus/gateway.conf";
    private static final String SOURCE_NAME = "classpath:" + RESOURCE;
    /** The WAR's default: no routes. */
    static final String WAR_RESOURCE = "nexus/war-default.conf";

    private DefaultConfig() {
    }

    /** The bundled text. */
    public static String text() {
        return resource(RESOURCE);
    }

    private static String resource(String name) {
        try (InputStream in = DefaultConfig.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the bundled default config " + name + " is missing from the build");
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

    /**
     * The WAR's own default: no routes. The launcher's default proxies {@code /echo} to its
     * demo upstream on 127.0.0.1:9000; in a servlet container there is no demo, and whatever
     * else listens on that port would be served on the public port.
     */
    static InitialConfig warInitial(ConfigLoader loader) throws InvalidConfigException {
        return InitialConfig.fromText(resource(WAR_RESOURCE), "classpath:" + WAR_RESOURCE, ConfigPlane.SOURCE_DEFAULT, loader);
    }
}
