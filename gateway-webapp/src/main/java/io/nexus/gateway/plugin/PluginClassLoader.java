package io.nexus.gateway.plugin;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;

/**
 * The class loader of one plugin: its own jars first, above the JDK, with only the API a plugin
 * is written against taken from the gateway (the SPI, the Servlet API, SLF4J). So a plugin cannot
 * reach the gateway's internals or its libraries (Jetty, Jackson, Typesafe Config), and brings
 * its own versions of any library it needs without clashing with the gateway's or another
 * plugin's.
 */
final class PluginClassLoader extends URLClassLoader {

    static {
        registerAsParallelCapable();
    }

    /** Packages a plugin shares with the gateway: the types that cross between them. */
    static final List<String> SHARED_PACKAGES = List.of("io.nexus.gateway.spi.", "jakarta.servlet.", "org.slf4j.");

    private final ClassLoader gateway;
    private final String origin;

    PluginClassLoader(String origin, List<Path> jars, ClassLoader gateway) {
        super("plugin " + origin, urls(jars), ClassLoader.getPlatformClassLoader());
        this.gateway = gateway;
        this.origin = origin;
    }

    String origin() {
        return origin;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        for (String shared : SHARED_PACKAGES) {
            if (name.startsWith(shared)) {
                return gateway.loadClass(name);
            }
        }
        // The JDK (the parent), then the plugin's jars.
        return super.loadClass(name, resolve);
    }

    private static URL[] urls(List<Path> jars) {
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            try {
                urls[i] = jars.get(i).toUri().toURL();
            } catch (java.net.MalformedURLException e) {
                throw new IllegalArgumentException(jars.get(i) + ": " + e.getMessage(), e);
            }
        }
        return urls;
    }
}
