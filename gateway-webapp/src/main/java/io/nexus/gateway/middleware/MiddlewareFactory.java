package io.nexus.gateway.middleware;

import io.nexus.gateway.config.RouteSettings;

/** Makes a middleware instance for one route of one config version. */
@FunctionalInterface
public interface MiddlewareFactory {

    Middleware create(RouteSettings route);
}
