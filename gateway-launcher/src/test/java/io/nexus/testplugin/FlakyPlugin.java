package io.nexus.testplugin;

import io.nexus.gateway.spi.MiddlewarePlugin;
import io.nexus.gateway.spi.PluginContext;
import io.nexus.gateway.spi.PluginSettings;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletResponse;

/** {@code flaky}: tags responses, and refuses to initialize when its settings say {@code fail-on-init = true}. */
public final class FlakyPlugin implements MiddlewarePlugin<Boolean> {

    @Override
    public String name() {
        return "flaky";
    }

    @Override
    public int defaultPriority() {
        return 1000;
    }

    @Override
    public Boolean settings(PluginSettings settings) {
        return settings.has("fail-on-init") && settings.bool("fail-on-init");
    }

    @Override
    public Filter init(Boolean failOnInit, PluginContext context) {
        if (failOnInit) {
            throw new IllegalStateException("flaky refuses route " + context.route());
        }
        return (request, response, chain) -> {
            ((HttpServletResponse) response).setHeader("X-Flaky", "ok");
            chain.doFilter(request, response);
        };
    }
}
