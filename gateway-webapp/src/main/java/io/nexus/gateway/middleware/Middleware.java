package io.nexus.gateway.middleware;

import io.nexus.gateway.config.RouteSettings;
import jakarta.servlet.Filter;
import java.time.Instant;

/**
 * A per-route middleware: a servlet {@link Filter} (run inside a guard) with a lifecycle. One
 * instance per route and config version: {@link #init} runs while the new version is built,
 * before it takes traffic; {@link #shutdown} runs when the version retires (after its last
 * request) or the gateway stops, so that a reload brings the new instance up before the old one
 * goes down.
 */
public interface Middleware extends Filter {

    /** Prepares the instance for a route; a failure fails the whole config version. */
    default void init(RouteSettings route) throws Exception {
    }

    /** Releases what the instance holds; should return by {@code deadline}. */
    default void shutdown(Instant deadline) {
    }
}
