package io.nexus.gateway.config;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads {@code nexus.middleware-settings}: per registered middleware an optional
 * {@code priority} and the keys the middleware reads itself (a plugin validates its own).
 */
final class MiddlewareSettingsReader {

    /** Wide enough for any scheme of priorities, small enough to never overflow a comparison. */
    static final int MAX_PRIORITY = 1_000_000;

    private MiddlewareSettingsReader() {
    }

    /**
     * @param used the middlewares the routes run: each reads its settings even without a block,
     *     so that a plugin reports the keys it requires
     */
    static Map<String, MiddlewareSettings> read(Section block, MiddlewareCatalog catalog, Set<String> used) {
        Map<String, MiddlewareSettings> settings = new LinkedHashMap<>();
        Map<String, ConfigObject> blocks = block.namedObjects("middleware", "a middleware's settings");
        blocks.forEach((name, object) -> {
            if (!catalog.names().contains(name)) {
                block.problem(name, "unknown middleware \"" + name + "\" (known: " + String.join(", ", new TreeSet<>(catalog.names())) + ")");
            } else {
                settings.put(name, read(block, name, object, catalog));
            }
        });
        for (String name : used) {
            if (!blocks.containsKey(name) && catalog.names().contains(name)) {
                settings.put(name, read(block, name, ConfigFactory.empty().root(), catalog));
            }
        }
        return settings;
    }

    private static MiddlewareSettings read(Section block, String name, ConfigObject object, MiddlewareCatalog catalog) {
        Section section = block.section(name);
        OptionalInt priority = section.has("priority")
            ? OptionalInt.of(section.intBetween("priority", 0, MAX_PRIORITY)) : OptionalInt.empty();
        Object read;
        try {
            read = catalog.readSettings(name, new SettingsBlock(section));
        } catch (RuntimeException e) {
            // A plugin's bug is the config's problem: it names the block, not a stack trace.
            block.problem(name, "the middleware failed to read its settings: " + e);
            read = null;
        }
        section.finish();
        return new MiddlewareSettings(name, priority, object.unwrapped(), read);
    }
}
