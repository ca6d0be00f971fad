package io.nexus.gateway.config;

import io.nexus.gateway.spi.PluginSettings;
import java.util.Set;

/**
 * The middlewares a config may name: in a route's {@code middlewares} and as a key of
 * {@code nexus.middleware-settings}, which each reads itself.
 */
public interface MiddlewareCatalog {

    Set<String> names();

    /**
     * Reads the keys of {@code middleware-settings.NAME} besides {@code priority}; problems go
     * to {@code settings}. A middleware that takes no settings reads nothing, so that any key
     * there is reported as unknown.
     *
     * @return what the middleware's instances of this config version get
     */
    Object readSettings(String name, PluginSettings settings);

    /** Names only, none of which takes settings: the built-ins, or whatever a test registers. */
    static MiddlewareCatalog of(Set<String> names) {
        Set<String> copy = Set.copyOf(names);
        return new MiddlewareCatalog() {
            @Override
            public Set<String> names() {
                return copy;
            }

            @Override
            public Object readSettings(String name, PluginSettings settings) {
                return null;
            }
        };
    }
}
