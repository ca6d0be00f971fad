package io.nexus.gateway.spi;

/** What the gateway tells a plugin about the route a filter is made for. */
public interface PluginContext {

    /** The route's {@code name}. */
    String route();

    /**
     * A counter of the plugin's own, {@code nexus_plugin_events_total{middleware,route,event}}
     * on the gateway's {@code /metrics}; {@code event} is a short snake_case word. Ask for it in
     * {@link MiddlewarePlugin#init}, not per request.
     */
    PluginCounter counter(String event);
}
