package io.nexus.gateway.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads one object of the configuration, turning every wrong value into a {@link ConfigProblem}
 * instead of an exception, and remembering which keys were read so that the rest can be
 * reported as unknown by {@link #finish()}.
 */
final class Section {

    private final ConfigObject object;
    private final Config config;
    private final String label;
    private final List<ConfigProblem> problems;
    private final Set<String> read = new HashSet<>();

    Section(ConfigObject object, String label, List<ConfigProblem> problems) {
        this.object = object;
        this.config = object.toConfig();
        this.label = label;
        this.problems = problems;
    }

    String label() {
        return label;
    }

    ConfigObject object() {
        return object;
    }

    String keyPath(String key) {
        return label.isEmpty() ? key : label + "." + key;
    }

    void problem(String key, String message) {
        ConfigValue value = object.get(key);
        problems.add(ConfigProblem.at(keyPath(key), message, value != null ? value.origin() : object.origin()));
    }

    boolean has(String key) {
        read.add(key);
        ConfigValue value = object.get(key);
        return value != null && value.valueType() != ConfigValueType.NULL;
    }

    /** Marks a key as known even though this section does not read it itself. */
    void accept(String key) {
        read.add(key);
    }

    String string(String key, String fallback) {
        return read(key, fallback, k -> config.getString(quote(k)));
    }

    /** A string that must be present and not blank. */
    String requiredString(String key) {
        if (!has(key)) {
            problem(key, "is required");
            return null;
        }
        String value = string(key, null);
        if (value != null && value.isBlank()) {
            problem(key, "must not be blank");
            return null;
        }
        return value;
    }

    Optional<String> optionalString(String key) {
        return has(key) ? Optional.ofNullable(string(key, null)) : Optional.empty();
    }

    boolean bool(String key, boolean fallback) {
        return read(key, fallback, k -> config.getBoolean(quote(k)));
    }

    int intBetween(String key, int min, int max, int fallback) {
        Integer value = read(key, null, k -> config.getInt(quote(k)));
        if (value == null) {
            return fallback;
        }
        if (value < min || value > max) {
            problem(key, "must be between " + min + " and " + max + ", was " + value);
            return fallback;
        }
        return value;
    }

    double doubleValue(String key, double fallback) {
        Double value = read(key, null, k -> config.getDouble(quote(k)));
        return value == null ? fallback : value;
    }

    Duration duration(String key, Duration min, Duration fallback) {
        Duration value = read(key, null, k -> config.getDuration(quote(k)));
        if (value == null) {
            return fallback;
        }
        if (value.compareTo(min) < 0) {
            problem(key, "must be at least " + min.toMillis() + "ms, was " + value.toMillis() + "ms");
            return fallback;
        }
        return value;
    }

    Optional<Duration> optionalDuration(String key, Duration min) {
        return has(key) ? Optional.ofNullable(duration(key, min, null)) : Optional.empty();
    }

    long bytes(String key, long min, long fallback) {
        Long value = read(key, null, k -> config.getBytes(quote(k)));
        if (value == null) {
            return fallback;
        }
        if (value < min) {
            problem(key, "must be at least " + min + " bytes, was " + value);
            return fallback;
        }
        return value;
    }

    List<String> stringList(String key) {
        List<String> value = read(key, null, k -> config.getStringList(quote(k)));
        return value == null ? List.of() : value;
    }

    /** A nested object; a problem (and an empty section) when the value is not an object. */
    Section section(String key) {
        read.add(key);
        ConfigValue value = object.get(key);
        if (value instanceof ConfigObject nested) {
            return new Section(nested, keyPath(key), problems);
        }
        if (value != null) {
            problem(key, "must be an object, was " + value.valueType().name().toLowerCase());
        }
        return new Section(com.typesafe.config.ConfigFactory.empty().root(), keyPath(key), problems);
    }

    /** Reports every key of this object that no read asked for. */
    void finish() {
        for (String key : object.keySet()) {
            if (!read.contains(key)) {
                problem(key, "unknown key");
            }
        }
    }

    List<ConfigValue> list(String key) {
        List<ConfigValue> value = read(key, null, k -> new ArrayList<>(config.getList(quote(k))));
        return value == null ? List.of() : value;
    }

    private <T> T read(String key, T fallback, Function<String, T> reader) {
        read.add(key);
        if (!object.containsKey(key)) {
            return fallback;
        }
        try {
            return reader.apply(key);
        } catch (ConfigException.Missing e) {
            return fallback;
        } catch (ConfigException e) {
            problem(key, describe(e));
            return fallback;
        }
    }

    private static String quote(String key) {
        return ConfigUtil.joinPath(key);
    }

    /** Typesafe's message without its own origin prefix, which the problem already carries. */
    static String describe(ConfigException e) {
        String message = e.getMessage();
        if (e.origin() != null) {
            String prefix = e.origin().description() + ": ";
            if (message.startsWith(prefix)) {
                message = message.substring(prefix.length());
            }
        }
        return message;
    }
}
