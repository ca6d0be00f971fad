package io.nexus.gateway.middleware;

import io.nexus.gateway.config.MiddlewareSettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.observability.GatewayMetrics;
import io.nexus.gateway.spi.PluginSettings;
import java.util.Optional;

/** Makes a middleware instance for one route of one config version. */
@FunctionalInterface
public interface MiddlewareFactory {

    Middleware create(RouteSettings route);

    /** Makes an instance that may resolve its metric children once; most factories ignore the metrics. */
    default Middleware create(RouteSettings route, GatewayMetrics metrics) {
        return create(route);
    }

    /**
     * Makes an instance with the version's {@code middleware-settings.NAME}, when the file has
     * that block; only middlewares that read settings ({@link #readSettings}) look at it.
     */
    default Middleware create(RouteSettings route, GatewayMetrics metrics, Optional<MiddlewareSettings> settings) {
        return create(route, metrics);
    }

    /**
     * Reads the middleware's keys of {@code middleware-settings.NAME} besides {@code priority},
     * problems going to {@code settings}. The default reads none, so any such key is unknown.
     */
    default Object readSettings(PluginSettings settings) {
        return null;
    }
}
