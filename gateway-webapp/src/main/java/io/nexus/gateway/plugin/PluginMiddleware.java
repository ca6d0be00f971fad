package io.nexus.gateway.plugin;

import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.middleware.Middleware;
import io.nexus.gateway.observability.GatewayMetrics;
import io.nexus.gateway.spi.MiddlewarePlugin;
import io.nexus.gateway.spi.PluginContext;
import io.nexus.gateway.spi.PluginCounter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.time.Instant;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One route's instance of a plugin: {@link #init} asks the plugin for its filter (a throw fails
 * the version), requests go through that filter, {@link #shutdown} destroys it. Initialization
 * and shutdown run with the plugin's class loader as the thread's context class loader, as a
 * servlet container does for a webapp's filters.
 */
final class PluginMiddleware implements Middleware {

    private final String name;
    private final FoundPlugin plugin;
    private final Object settings;
    private final GatewayMetrics metrics;
    private Filter filter;

    PluginMiddleware(String name, FoundPlugin plugin, Object settings, GatewayMetrics metrics) {
        this.name = name;
        this.plugin = plugin;
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public void init(RouteSettings route, Scheduler scheduler) throws Exception {
        PluginContext context = new PluginContext() {
            @Override
            public String route() {
                return route.name();
            }

            @Override
            public PluginCounter counter(String event) {
                return metrics.pluginEvents(name, route.name(), event)::inc;
            }
        };
        Filter made = plugin.call(() -> initPlugin(plugin.plugin(), context));
        if (made == null) {
            throw new IllegalStateException("plugin " + name + " (" + plugin.origin() + ") made no filter for route " + route.name());
        }
        filter = made;
    }

    @SuppressWarnings("unchecked")
    private <S> Filter initPlugin(MiddlewarePlugin<S> typed, PluginContext context) throws Exception {
        return typed.init((S) settings, context);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        filter.doFilter(request, response, chain);
    }

    @Override
    public void shutdown(Instant deadline) {
        if (filter != null) {
            try {
                plugin.call(() -> {
                    filter.destroy();
                    return null;
                });
            } catch (Exception e) {
                throw new IllegalStateException("plugin " + name + " failed to shut down: " + e, e);
            }
        }
    }
}
