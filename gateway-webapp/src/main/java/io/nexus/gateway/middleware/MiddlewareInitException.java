package io.nexus.gateway.middleware;

/**
 * A middleware's {@code init} failed: the config version that needs it is refused, like an
 * invalid config (at start-up the launcher exits 2; a reload answers 422 and the version in
 * service stays).
 */
public final class MiddlewareInitException extends Exception {

    MiddlewareInitException(String route, String middleware, Exception cause) {
        super("route " + route + ": middleware " + middleware + " failed to initialize: " + cause, cause);
    }

    /** Whether {@code failure} is one, or was caused by one. */
    public static boolean causes(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof MiddlewareInitException) {
                return true;
            }
        }
        return false;
    }
}
