package io.nexus.gateway.plugin;

import io.nexus.gateway.config.ConfigProblem;
import io.nexus.gateway.config.InvalidConfigException;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Registers plugins in the same registry as the built-ins, under the plugin's name and default priority. */
public final class Plugins {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private Plugins() {
    }

    /**
     * Adds every plugin to {@code builder}; a name that is not a valid key or is taken (by a
     * built-in or another plugin) refuses them all, with every such problem named.
     */
    public static MiddlewareRegistry.Builder register(MiddlewareRegistry.Builder builder, List<FoundPlugin> plugins)
        throws InvalidConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        for (FoundPlugin found : plugins) {
            String name;
            int priority;
            try {
                name = found.plugin().name();
                priority = found.plugin().defaultPriority();
            } catch (RuntimeException e) {
                problems.add(new ConfigProblem("plugins.dir", found.origin() + ": the plugin failed to give its name: " + e, found.origin(), -1));
                continue;
            }
            if (name == null || !NAME.matcher(name).matches()) {
                problems.add(new ConfigProblem("plugins.dir", found.origin() + ": plugin name \"" + name + "\" must match " + NAME.pattern(),
                    found.origin(), -1));
                continue;
            }
            try {
                builder.register(name, priority, new PluginMiddlewareFactory(name, found), found.origin());
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigProblem("plugins.dir", e.getMessage(), found.origin(), -1));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return builder;
    }
}
