package io.nexus.gateway.lifecycle;

import io.nexus.gateway.auth.AuthMiddleware;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.config.TrafficPolicy;
import io.nexus.gateway.ratelimit.RateLimits;
import io.nexus.gateway.traffic.CorsMiddleware;
import io.nexus.gateway.traffic.RewriteMiddleware;

/** The middlewares every gateway has, registered here so that the middleware package names none of them. */
public final class BuiltInMiddlewares {

    private BuiltInMiddlewares() {
    }

    /** A registry of the built-ins only. */
    public static MiddlewareRegistry registry() {
        return builder().build();
    }

    /** A builder that already holds the built-ins, for adding custom middlewares. */
    public static MiddlewareRegistry.Builder builder() {
        return MiddlewareRegistry.builder()
            .register(RouteSettings.FAULT, MiddlewareRegistry.FAULT, MiddlewareRegistry.fault())
            .register(RouteSettings.RATE_LIMIT, BuiltInMiddlewares::rateLimitPriority, new RateLimits())
            .register(RouteSettings.AUTH, MiddlewareRegistry.AUTH, AuthMiddleware::new)
            .register(TrafficPolicy.CORS, CorsMiddleware.PRIORITY, CorsMiddleware::new)
            .register(TrafficPolicy.REWRITE, RewriteMiddleware.PRIORITY, RewriteMiddleware::new);
    }

    /**
     * The rate limit runs before authentication, so that floods cost no signature checks; a
     * limit keyed on the authenticated subject too, and counts when the auth middleware reports
     * the outcome (the subject, or a failure counted against the client's address).
     */
    private static int rateLimitPriority(RouteSettings route) {
        return MiddlewareRegistry.RATE_LIMIT;
    }
}
