package io.nexus.gateway.plugin;

import io.nexus.gateway.spi.MiddlewarePlugin;
import java.util.concurrent.Callable;

/**
 * A plugin as {@link java.util.ServiceLoader} found it.
 *
 * @param origin where: the jar or directory under {@code plugins.dir}, or the webapp
 * @param loader its class loader, the thread's context class loader while it initializes and shuts down
 */
public record FoundPlugin(MiddlewarePlugin<?> plugin, String origin, ClassLoader loader) {

    /** Runs plugin code with the plugin's class loader as the context class loader, as a servlet container does for a webapp. */
    <T> T call(Callable<T> work) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return work.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
