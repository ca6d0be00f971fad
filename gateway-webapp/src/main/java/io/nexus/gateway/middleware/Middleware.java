package io.nexus.gateway.middleware;

import io.nexus.gateway.config.RouteSettings;
import jakarta.servlet.Filter;
import java.time.Instant;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A per-route middleware: a servlet {@link Filter} (run inside a guard) with a lifecycle. One
 * instance per route and config version: {@link #init} runs while the new version is built,
 * before it takes traffic; {@link #shutdown} runs when the version retires (after its last
 * request) or the gateway stops, so that a reload brings the new instance up before the old one
 * goes down.
 *
 * <p>Background work (a periodic refresh, a cleanup) goes on the gateway's {@link Scheduler},
 * given to {@link #init}, not on a thread of the middleware's own; a task must not block the
 * scheduler's thread, and {@link #shutdown} cancels it.
 */
public interface Middleware extends Filter {

    /**
     * Prepares the instance for a route; a failure fails the whole config version.
     *
     * @param scheduler the gateway's scheduler, for background work until {@link #shutdown}
     */
    default void init(RouteSettings route, Scheduler scheduler) throws Exception {
    }

    /** Releases what the instance holds; should return by {@code deadline}. */
    default void shutdown(Instant deadline) {
    }
}
