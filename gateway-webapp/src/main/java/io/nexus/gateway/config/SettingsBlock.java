package io.nexus.gateway.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.nexus.gateway.spi.PluginSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A plugin's view of its {@code middleware-settings} block: the section's reads, with their problems and origins. */
final class SettingsBlock implements PluginSettings {

    private final Section section;

    SettingsBlock(Section section) {
        this.section = section;
    }

    @Override
    public boolean has(String key) {
        return section.has(key);
    }

    @Override
    public String string(String key) {
        return section.string(key);
    }

    @Override
    public Optional<String> optionalString(String key) {
        return section.optionalString(key);
    }

    @Override
    public int integer(String key, int min, int max) {
        return section.intBetween(key, min, max);
    }

    @Override
    public boolean bool(String key) {
        return section.bool(key);
    }

    @Override
    public Duration duration(String key) {
        return section.duration(key, Duration.ZERO);
    }

    @Override
    public List<String> stringList(String key) {
        return section.stringList(key);
    }

    @Override
    public Map<String, String> stringMap(String key) {
        Map<String, String> values = new LinkedHashMap<>();
        if (!section.has(key)) {
            section.problem(key, "is required");
            return values;
        }
        if (!(section.object().get(key) instanceof ConfigObject object)) {
            section.problem(key, "must be an object of strings");
            return values;
        }
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
            if (entry.getValue().valueType() == ConfigValueType.OBJECT || entry.getValue().valueType() == ConfigValueType.LIST) {
                section.problem(key, "must be an object of strings; \"" + entry.getKey() + "\" is not a string");
            } else {
                values.put(entry.getKey(), String.valueOf(entry.getValue().unwrapped()));
            }
        }
        return values;
    }

    @Override
    public void problem(String key, String message) {
        section.problem(key, message);
    }
}
