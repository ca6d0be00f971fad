package io.nexus.gateway.spi;

import jakarta.servlet.Filter;

/**
 * A middleware a jar adds to the gateway, found with {@link java.util.ServiceLoader}: the jar
 * lists its implementation in {@code META-INF/services/io.nexus.gateway.spi.MiddlewarePlugin}.
 * The gateway makes one instance of the plugin when it starts and keeps it; per config version
 * it reads the plugin's settings once ({@link #settings}) and per route that lists the plugin
 * in {@code middlewares} it makes one filter ({@link #init}).
 *
 * <p>The filter runs inside the gateway's guard (a throwable becomes a 500 {@code internal}
 * answer and counts in {@code nexus_middleware_failures_total{middleware=NAME}}), after the
 * route matched and the request was admitted, before the upstream is called. It may answer the
 * request itself or call {@code chain.doFilter} to go on; it must not block for long (requests
 * run on virtual threads in the launcher, but every request of the route waits for it).
 * {@link Filter#destroy()} runs when the filter's config version has served its last request.
 *
 * @param <S> the plugin's own immutable settings, read once per config version
 */
public interface MiddlewarePlugin<S> {

    /**
     * The name routes list in {@code middlewares} and the key of the plugin's settings,
     * {@code nexus.middleware-settings.NAME}; it must match {@code [A-Za-z0-9][A-Za-z0-9._-]*}
     * and differ from every other middleware's (built-ins: {@code rate-limit}, {@code auth},
     * {@code fault}).
     */
    String name();

    /**
     * Where the middleware runs among a route's middlewares, lowest first (built-ins:
     * rate-limit 300, auth 400, fault 500; 1000 is the usual place for anything else), unless
     * {@code middleware-settings.NAME.priority} says otherwise.
     */
    int defaultPriority();

    /**
     * Reads and checks the plugin's settings ({@code middleware-settings.NAME} without
     * {@code priority}) for a config that is being loaded: at start-up, on a reload and on a
     * validation. Every broken rule goes to {@link PluginSettings#problem}; the gateway adds
     * the file and line and refuses the config. Keys the plugin never reads are reported as
     * unknown.
     *
     * @return the settings the plugin's filters of this config version get; any value (even
     *     {@code null}) when a problem was reported, since the config is refused anyway
     */
    S settings(PluginSettings settings);

    /**
     * Makes the filter of one route for a config version that is about to take traffic. A throw
     * refuses the whole version: at start-up the gateway exits 2, on a reload the version in
     * service stays.
     */
    Filter init(S settings, PluginContext context) throws Exception;
}
