package io.nexus.gateway.plugin;

import io.nexus.gateway.config.ConfigProblem;
import io.nexus.gateway.config.InvalidConfigException;
import io.nexus.gateway.spi.MiddlewarePlugin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the launcher's plugins under {@code plugins.dir}: each {@code *.jar} directly in it gets
 * a class loader of its own, and so does each subdirectory (all its jars together: a plugin with
 * the libraries it needs). A directory that does not exist holds no plugins. A jar that cannot
 * be read, a service that cannot be instantiated or a jar without any service refuses the start.
 */
public final class PluginJars {

    private static final Logger LOG = LoggerFactory.getLogger(PluginJars.class);
    private static final String KEY = "plugins.dir";

    private PluginJars() {
    }

    /** The plugins found in {@code dir}, in file-name order, each in its own class loader. */
    public static List<FoundPlugin> load(Path dir) throws InvalidConfigException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<FoundPlugin> found = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        for (Path entry : sorted(dir, problems)) {
            List<Path> jars = Files.isDirectory(entry) ? sorted(entry, problems).stream().filter(PluginJars::isJar).toList()
                : isJar(entry) ? List.of(entry) : List.of();
            if (jars.isEmpty()) {
                continue;
            }
            String origin = entry.toString();
            PluginClassLoader loader = new PluginClassLoader(origin, jars, MiddlewarePlugin.class.getClassLoader());
            try {
                List<FoundPlugin> fromEntry = fromLoader(loader, origin);
                if (fromEntry.isEmpty()) {
                    problems.add(new ConfigProblem(KEY, origin + " has no META-INF/services/" + MiddlewarePlugin.class.getName(), origin, -1));
                }
                found.addAll(fromEntry);
            } catch (ServiceConfigurationError | LinkageError e) {
                problems.add(new ConfigProblem(KEY, origin + " could not be loaded: " + e, origin, -1));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        found.forEach(plugin -> LOG.info("Plugin {} found in {}", plugin.plugin().getClass().getName(), plugin.origin()));
        return found;
    }

    /** The plugins a class loader sees (the WAR: the webapp's, WEB-INF/lib included). */
    public static List<FoundPlugin> fromClassPath(ClassLoader loader, String origin) throws InvalidConfigException {
        try {
            List<FoundPlugin> found = fromLoader(loader, origin);
            found.forEach(plugin -> LOG.info("Plugin {} found in {}", plugin.plugin().getClass().getName(), plugin.origin()));
            return found;
        } catch (ServiceConfigurationError | LinkageError e) {
            throw new InvalidConfigException(List.of(new ConfigProblem(KEY, "a plugin of " + origin + " could not be loaded: " + e, origin, -1)));
        }
    }

    @SuppressWarnings("rawtypes")
    private static List<FoundPlugin> fromLoader(ClassLoader loader, String origin) {
        List<FoundPlugin> found = new ArrayList<>();
        for (MiddlewarePlugin plugin : ServiceLoader.load(MiddlewarePlugin.class, loader)) {
            found.add(new FoundPlugin(plugin, origin(plugin, origin), loader));
        }
        return found;
    }

    /** The jar a class path plugin came from, when the class path has several. */
    private static String origin(MiddlewarePlugin<?> plugin, String fallback) {
        var source = plugin.getClass().getProtectionDomain().getCodeSource();
        return source != null && source.getLocation() != null && !(plugin.getClass().getClassLoader() instanceof PluginClassLoader)
            ? source.getLocation().toString() : fallback;
    }

    private static boolean isJar(Path path) {
        return Files.isRegularFile(path) && path.getFileName().toString().endsWith(".jar");
    }

    private static List<Path> sorted(Path dir, List<ConfigProblem> problems) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.sorted().toList();
        } catch (IOException e) {
            problems.add(new ConfigProblem(KEY, dir + " could not be listed: " + e, dir.toString(), -1));
            return List.of();
        }
    }
}
