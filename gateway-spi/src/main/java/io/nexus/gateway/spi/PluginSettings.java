package io.nexus.gateway.spi;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A plugin's block of the configuration, {@code nexus.middleware-settings.NAME}, as HOCON values.
 * A wrong or missing value is reported with its key, file and line and the read returns a
 * harmless value (0, {@code false}, an empty list, {@code null} for a string): the config is
 * refused anyway. Keys are relative to the block: {@code header}, not
 * {@code middleware-settings.stamp.header}.
 */
public interface PluginSettings {

    /** Whether the block holds the key (with a value other than {@code null}). */
    boolean has(String key);

    /** A required string. */
    String string(String key);

    /** A string that may be left out. */
    Optional<String> optionalString(String key);

    /** A required whole number within the bounds. */
    int integer(String key, int min, int max);

    /** A required {@code true} or {@code false}. */
    boolean bool(String key);

    /** A required duration in HOCON form ({@code 250ms}, {@code 2s}). */
    Duration duration(String key);

    /** A required list of strings. */
    List<String> stringList(String key);

    /** A required object whose values are strings, in the file's order. */
    Map<String, String> stringMap(String key);

    /** Reports a broken rule of the value at {@code key} (or of the block, when it has no such key). */
    void problem(String key, String message);
}
