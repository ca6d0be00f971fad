package io.nexus.gateway.lifecycle;

import io.nexus.gateway.auth.AuthMiddleware;
import io.nexus.gateway.config.InvalidConfigException;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.config.TrafficPolicy;
import io.nexus.gateway.plugin.FoundPlugin;
import io.nexus.gateway.plugin.Plugins;
import io.nexus.gateway.ratelimit.RateLimits;
import io.nexus.gateway.traffic.CorsMiddleware;
import io.nexus.gateway.traffic.RewriteMiddleware;
import java.util.List;

/** The middlewares every gateway has, registered here so that the middleware package names none of them. */
public final class BuiltInMiddlewares {

    private BuiltInMiddlewares() {
    }

    /** A registry of the built-ins only. */
    public static MiddlewareRegistry registry() {
        return builder().build();
    }

    /**
     * The built-ins and the plugins, registered side by side.
     *
     * @throws InvalidConfigException when a plugin's name is invalid or taken
     */
    public static MiddlewareRegistry withPlugins(List<FoundPlugin> plugins) throws InvalidConfigException {
        return Plugins.register(builder(), plugins).build();
    }

    /** A builder that already holds the built-ins, for adding custom middlewares. */
    public static MiddlewareRegistry.Builder builder() {
        return MiddlewareRegistry.builder()
            .register(RouteSettings.FAULT, MiddlewareRegistry.FAULT, MiddlewareRegistry.fault(), MiddlewareRegistry.BUILT_IN)
            // The rate limit runs before authentication, so that floods cost no signature checks; a
            // limit keyed on the authenticated subject too, and counts when the auth middleware reports
            // the outcome (the subject, or a failure counted against the client's address).
            .register(RouteSettings.RATE_LIMIT, MiddlewareRegistry.RATE_LIMIT, new RateLimits(), MiddlewareRegistry.BUILT_IN)
            .register(RouteSettings.AUTH, MiddlewareRegistry.AUTH, AuthMiddleware::new, MiddlewareRegistry.BUILT_IN)
            .register(TrafficPolicy.CORS, CorsMiddleware.PRIORITY, CorsMiddleware::new, MiddlewareRegistry.BUILT_IN)
            .register(TrafficPolicy.REWRITE, RewriteMiddleware.PRIORITY, RewriteMiddleware::new, MiddlewareRegistry.BUILT_IN);
    }
}
