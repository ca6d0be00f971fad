package io.nexus.gateway.plugin;

import io.nexus.gateway.config.MiddlewareSettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.middleware.Middleware;
import io.nexus.gateway.middleware.MiddlewareFactory;
import io.nexus.gateway.observability.GatewayMetrics;
import io.nexus.gateway.spi.PluginSettings;
import java.util.Optional;

/** A plugin seen as a registry factory: it reads its settings once per version and makes one middleware per route. */
final class PluginMiddlewareFactory implements MiddlewareFactory {

    private final String name;
    private final FoundPlugin plugin;

    PluginMiddlewareFactory(String name, FoundPlugin plugin) {
        this.name = name;
        this.plugin = plugin;
    }

    @Override
    public Middleware create(RouteSettings route) {
        throw new UnsupportedOperationException("a plugin's middleware needs the config's metrics and settings");
    }

    @Override
    public Middleware create(RouteSettings route, GatewayMetrics metrics, Optional<MiddlewareSettings> settings) {
        // The loader reads the settings of every middleware a route runs, block or not.
        Object read = settings.orElseThrow(() -> new IllegalStateException("no settings read for plugin " + name)).read();
        return new PluginMiddleware(name, plugin, read, metrics);
    }

    @Override
    public Object readSettings(PluginSettings settings) {
        try {
            return plugin.call(() -> plugin.plugin().settings(settings));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
