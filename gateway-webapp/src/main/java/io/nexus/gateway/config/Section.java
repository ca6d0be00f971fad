package io.nexus.gateway.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * Reads one object of the configuration, turning every wrong value into a {@link ConfigProblem}
 * instead of an exception, and remembering which keys were read so that the rest can be
 * reported as unknown by {@link #finish()}.
 *
 * <p>There are no fallback arguments: the object a section reads has reference.conf (or a template)
 * merged under it, so a key with a default is always there, and a missing one is a required key
 * the file left out ("is required"). Keys whose absence means something ("every method", "no
 * issuer check") are read with the {@code optional*} methods. After a problem a read returns a
 * harmless value (the minimum, an empty list, {@code null} for strings): the config is refused
 * anyway, and the value only has to get the remaining checks through without an exception.
 */
final class Section {

    /** What names of upstreams, routes, auth entries and API keys look like. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    // The object as given, and what a key it leaves out falls back to: a key is looked up in
    // one, then the other, rather than the two merged for every route of a large table.
    private final ConfigObject given;
    private final ConfigObject defaults;
    private final Config givenConfig;
    private final Config defaultsConfig;
    // given merged over defaults, made only when a reader needs the whole object.
    private ConfigObject merged;
    // Where the object is written: the file's, not "merge of gateway.conf, reference.conf".
    private final ConfigOrigin origin;
    private final String label;
    private final List<ConfigProblem> problems;
    // The keys read, numbered by the read's shared key numbering: a large route table reads
    // dozens of keys per route, which a set of strings per route made the largest allocation.
    private final BitSet read = new BitSet();
    // Nested sections, so that two readers sharing an object (nexus.server holds start-up and
    // reloadable keys) see one set of read keys, and finish() can report for all of them.
    private Map<String, Section> children;
    // Shared by the sections of one read, so that a value of a template under many objects
    // (route-defaults under every route) is converted once, not once per route, and key names
    // are numbered once.
    private final ReadContext context;
    private boolean finished;

    Section(ConfigObject object, String label, List<ConfigProblem> problems) {
        this(object, ConfigFactory.empty().root(), object.origin(), label, problems, new ReadContext());
        merged = object;
    }

    private Section(ConfigObject given, ConfigObject defaults, ConfigOrigin origin, String label, List<ConfigProblem> problems,
                    ReadContext context) {
        this.given = given;
        this.defaults = defaults;
        this.givenConfig = given.toConfig();
        this.defaultsConfig = defaults.toConfig();
        this.origin = origin;
        this.label = label;
        this.problems = problems;
        this.context = context;
    }

    /** {@code given} merged over {@code defaults}; problems about missing keys point at {@code given}. */
    static Section merged(ConfigObject given, ConfigObject defaults, String label, List<ConfigProblem> problems) {
        return new Section(given, defaults, given.origin(), label, problems, new ReadContext());
    }

    /**
     * Like {@link #merged(ConfigObject, ConfigObject, String, List)}, for one of many entries over
     * the same template ({@code route-defaults}): reports to this section's problems, and converts
     * each value the entries take from the template once for all of them.
     */
    Section entry(ConfigObject given, ConfigObject defaults, String label) {
        return new Section(given, defaults, given.origin(), label, problems, context);
    }

    String label() {
        return label;
    }

    /** An object element of one of this section's lists, reporting to the same problem list. */
    Section element(String key, int index, ConfigObject element) {
        Section section = new Section(element, ConfigFactory.empty().root(), element.origin(), keyPath(key + "[" + index + "]"), problems, context);
        section.merged = element;
        return section;
    }

    /** The whole object, {@code given} merged over {@code defaults}. */
    ConfigObject object() {
        if (merged == null) {
            merged = given.withFallback(defaults);
        }
        return merged;
    }

    /** The value of a key as the merged object has it, without merging the rest. */
    private ConfigValue value(String key) {
        ConfigValue value = given.get(key);
        if (value == null) {
            return defaults.get(key);
        }
        return value instanceof ConfigObject && defaults.get(key) instanceof ConfigObject ? object().get(key) : value;
    }

    String keyPath(String key) {
        return label.isEmpty() ? key : label + "." + key;
    }

    void problem(String key, String message) {
        ConfigValue value = value(key);
        problems.add(ConfigProblem.at(keyPath(key), message, value != null ? value.origin() : origin));
    }

    /** Whether the key has a value other than {@code null}; marks it as known. */
    boolean has(String key) {
        markRead(key);
        ConfigValue value = value(key);
        return value != null && value.valueType() != ConfigValueType.NULL;
    }

    /** Marks a key as known even though this section does not read it itself. */
    void accept(String key) {
        markRead(key);
    }

    /** A string; {@code null} after a problem. */
    String string(String key) {
        return requiredValue(key, Section::plainString).orElse(null);
    }

    /** A string that must not be blank; {@code null} after a problem. */
    String nonBlankString(String key) {
        String value = string(key);
        if (value != null && value.isBlank()) {
            problem(key, "must not be blank");
            return null;
        }
        return value;
    }

    Optional<String> optionalString(String key) {
        return optionalValue(key, Section::plainString);
    }

    boolean bool(String key) {
        return requiredValue(key, Section::plainBoolean).orElse(false);
    }

    int intBetween(String key, int min, int max) {
        return within(key, requiredValue(key, INT), min, max).orElse(min);
    }

    /** A number such as a percentage or a ratio; the bounds are whole numbers. */
    double doubleBetween(String key, int min, int max) {
        return within(key, requiredValue(key, DOUBLE), min, max).orElse((double) min);
    }

    private <T extends Number> Optional<T> within(String key, Optional<T> value, int min, int max) {
        if (value.isPresent() && (value.get().doubleValue() < min || value.get().doubleValue() > max)) {
            problem(key, "must be between " + min + " and " + max + ", was " + value.get());
            return Optional.empty();
        }
        return value;
    }

    Duration duration(String key, Duration min) {
        return checkMinimum(key, requiredValue(key, DURATION), min).orElse(min);
    }

    Optional<Duration> optionalDuration(String key, Duration min) {
        return checkMinimum(key, optionalValue(key, DURATION), min);
    }

    private Optional<Duration> checkMinimum(String key, Optional<Duration> value, Duration min) {
        if (value.isPresent() && value.get().compareTo(min) < 0) {
            problem(key, "must be at least " + min.toMillis() + "ms, was " + value.get().toMillis() + "ms");
            return Optional.empty();
        }
        return value;
    }

    long bytes(String key, long min) {
        Optional<Long> value = requiredValue(key, BYTES);
        if (value.isPresent() && value.get() < min) {
            problem(key, "must be at least " + min + " bytes, was " + value.get());
            return min;
        }
        return value.orElse(min);
    }

    List<String> stringList(String key) {
        return requiredValue(key, Section::plainStringList).orElse(List.of());
    }

    /** A list whose absence means something of its own, such as "every method". */
    Optional<List<String>> optionalStringList(String key) {
        return optionalValue(key, Section::plainStringList);
    }

    List<ConfigValue> list(String key) {
        return requiredValue(key, LIST).orElse(List.of());
    }

    Optional<List<ConfigValue>> optionalList(String key) {
        return optionalValue(key, LIST);
    }

    /**
     * A nested object, empty when the key is absent; a problem (and an empty section) when the
     * value is not an object. Asking twice gives the same section.
     */
    Section section(String key) {
        return section(key, ConfigFactory.empty().root());
    }

    /**
     * An optional block merged over its template from reference.conf's
     * {@code nexus-block-defaults}: what the block leaves out comes from {@code defaults}, and
     * without a block the section holds just the defaults.
     */
    Section section(String key, ConfigObject defaults) {
        markRead(key);
        if (children == null) {
            children = new LinkedHashMap<>();
        }
        Section existing = children.get(key);
        if (existing != null) {
            return existing;
        }
        ConfigValue value = value(key);
        Section section;
        if (value instanceof ConfigObject given) {
            section = entry(given, defaults, keyPath(key));
        } else if (value != null) {
            problem(key, "must be an object, was " + value.valueType().name().toLowerCase(Locale.ROOT));
            // Detached from the problem list: its reads would only repeat that the object is missing.
            section = new Section(ConfigFactory.empty().root(), defaults, value.origin(), keyPath(key), new ArrayList<>(), context);
        } else {
            section = new Section(ConfigFactory.empty().root(), defaults, origin, keyPath(key), problems, context);
        }
        children.put(key, section);
        return section;
    }

    /**
     * The entries of an object of named objects ({@code nexus.upstreams}, {@code nexus.auth}):
     * an entry that is not an object is a problem and left out, a bad name a problem only.
     *
     * @param kind what an entry is, for the name rule's message
     * @param shape what an entry must hold, for the message when it is not an object
     */
    Map<String, ConfigObject> namedObjects(String kind, String shape) {
        Map<String, ConfigObject> entries = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> entry : object().entrySet()) {
            String name = entry.getKey();
            accept(name);
            if (!(entry.getValue() instanceof ConfigObject nested)) {
                problem(name, "must be an object with " + shape);
                continue;
            }
            if (!NAME.matcher(name).matches()) {
                problem(name, kind + " name must match " + NAME.pattern());
            }
            entries.put(name, nested);
        }
        return entries;
    }

    /**
     * An object merged under entries elsewhere ({@code upstream-defaults}, {@code route-defaults}):
     * its keys are checked in each entry it reaches, so not here.
     */
    ConfigObject template(String key) {
        markRead(key);
        ConfigValue value = value(key);
        if (value instanceof ConfigObject template) {
            return template;
        }
        if (value != null) {
            problem(key, "must be an object, was " + value.valueType().name().toLowerCase(Locale.ROOT));
        }
        return ConfigFactory.empty().root();
    }

    /** Reports every key of this object and of its nested sections that no read asked for; once. */
    void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (!allRead(given.keySet()) || !allRead(defaults.keySet())) {
            // In the merged object's order, as always.
            for (String key : object().keySet()) {
                if (!read.get(context.number(key))) {
                    problem(key, "unknown key");
                }
            }
        }
        if (children != null) {
            children.values().forEach(Section::finish);
        }
    }

    private void markRead(String key) {
        read.set(context.number(key));
    }

    private boolean allRead(Set<String> keys) {
        for (String key : keys) {
            if (!read.get(context.number(key))) {
                return false;
            }
        }
        return true;
    }

    /**
     * What {@link Config#getString} gives; a value that already is a string is taken as it is,
     * without Typesafe parsing the key as a path again (thousands of routes read a dozen keys each).
     */
    private static String plainString(Config config, String key, ConfigValue value) {
        return value.valueType() == ConfigValueType.STRING ? (String) value.unwrapped() : config.getString(ConfigUtil.joinPath(key));
    }

    /** What {@link Config#getBoolean} gives, a boolean taken as it is. */
    private static Boolean plainBoolean(Config config, String key, ConfigValue value) {
        return value.valueType() == ConfigValueType.BOOLEAN ? (Boolean) value.unwrapped() : config.getBoolean(ConfigUtil.joinPath(key));
    }

    /** What {@link Config#getStringList} gives (a list the caller may change), a list of strings taken as it is. */
    private static List<String> plainStringList(Config config, String key, ConfigValue value) {
        if (value instanceof ConfigList list) {
            List<String> strings = new ArrayList<>(list.size());
            for (ConfigValue item : list) {
                if (item.valueType() != ConfigValueType.STRING) {
                    return config.getStringList(ConfigUtil.joinPath(key));
                }
                strings.add((String) item.unwrapped());
            }
            return strings;
        }
        return config.getStringList(ConfigUtil.joinPath(key));
    }

    /** Reads a present key's value, through {@code config} (which holds it) for anything but the plain case. */
    private interface Reader<T> {
        T read(Config config, String key, ConfigValue value);
    }

    /**
     * A typed getter of {@link Config}, given the key as a path. What it gives is immutable and
     * depends on the value alone, so a template's value is converted once ({@link ReadContext}):
     * Typesafe compiles regular expressions for every duration, and reads a size as a number
     * first, throwing twice, before it parses the string.
     */
    private record ByPath<T>(BiFunction<Config, String, T> getter) implements Reader<T> {
        @Override
        public T read(Config config, String key, ConfigValue value) {
            return getter.apply(config, ConfigUtil.joinPath(key));
        }
    }

    private static final Reader<Integer> INT = new ByPath<>(Config::getInt);
    private static final Reader<Double> DOUBLE = new ByPath<>(Config::getDouble);
    private static final Reader<Duration> DURATION = new ByPath<>(Config::getDuration);
    private static final Reader<Long> BYTES = new ByPath<>(Config::getBytes);
    private static final Reader<List<ConfigValue>> LIST = new ByPath<>((config, path) -> List.copyOf(config.getList(path)));

    /**
     * What the sections of one read of a config share: the values of templates converted so far,
     * by getter, each at most once; and a number for each key name, for the sets of keys read.
     */
    private static final class ReadContext {
        private final Map<Reader<?>, Map<ConfigValue, Object>> byReader = new IdentityHashMap<>();
        private final Map<String, Integer> numbers = new HashMap<>();

        int number(String key) {
            Integer number = numbers.get(key);
            if (number == null) {
                number = numbers.size();
                numbers.put(key, number);
            }
            return number;
        }

        @SuppressWarnings("unchecked")
        <T> T convert(ByPath<T> reader, Config config, String key, ConfigValue value) {
            Map<ConfigValue, Object> converted = byReader.computeIfAbsent(reader, r -> new IdentityHashMap<>());
            Object result = converted.get(value);
            if (result == null) {
                result = reader.read(config, key, value);
                converted.put(value, result);
            }
            return (T) result;
        }
    }

    private <T> Optional<T> requiredValue(String key, Reader<T> reader) {
        return read(key, reader, true);
    }

    private <T> Optional<T> optionalValue(String key, Reader<T> reader) {
        return read(key, reader, false);
    }

    /**
     * Reads a key through the config holding it (the given object, the defaults, or their merge
     * when both hold an object there), looking the key up once: a large route table reads many.
     */
    private <T> Optional<T> read(String key, Reader<T> reader, boolean required) {
        markRead(key);
        ConfigValue value = given.get(key);
        Config config = givenConfig;
        boolean fromTemplate = value == null;
        if (fromTemplate) {
            value = defaults.get(key);
            config = defaultsConfig;
        } else if (value instanceof ConfigObject && defaults.get(key) instanceof ConfigObject) {
            value = object().get(key);
            config = object().toConfig();
        }
        if (value == null || value.valueType() == ConfigValueType.NULL) {
            if (required) {
                problem(key, "is required");
            }
            return Optional.empty();
        }
        try {
            if (fromTemplate && reader instanceof ByPath<T> byPath) {
                // A failure is not kept: each section reports it under its own key.
                return Optional.of(context.convert(byPath, config, key, value));
            }
            return Optional.of(reader.read(config, key, value));
        } catch (ConfigException e) {
            problem(key, describe(e));
            return Optional.empty();
        }
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
