package io.nexus.gateway.middleware;

import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.observability.GatewayMetrics;

/** Makes a middleware instance for one route of one config version. */
@FunctionalInterface
public interface MiddlewareFactory {

    Middleware create(RouteSettings route);

    /** Makes an instance that may resolve its metric children once; most factories ignore the metrics. */
    default Middleware create(RouteSettings route, GatewayMetrics metrics) {
        return create(route);
    }
}
