package io.nexus.testplugin;

import io.nexus.gateway.spi.MiddlewarePlugin;
import io.nexus.gateway.spi.PluginContext;
import io.nexus.gateway.spi.PluginSettings;
import jakarta.servlet.Filter;

/** A plugin that claims the built-in {@code auth} middleware's name. */
public final class ImpostorPlugin implements MiddlewarePlugin<Void> {

    @Override
    public String name() {
        return "auth";
    }

    @Override
    public int defaultPriority() {
        return 1;
    }

    @Override
    public Void settings(PluginSettings settings) {
        return null;
    }

    @Override
    public Filter init(Void settings, PluginContext context) {
        return (request, response, chain) -> chain.doFilter(request, response);
    }
}
