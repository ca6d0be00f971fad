package io.nexus.gateway.config;

import com.typesafe.config.ConfigOrigin;

/**
 * One broken rule in a configuration, with where it is: {@code routes[2].upstream: unknown
 * upstream "users" (gateway.conf:14)}.
 *
 * @param key the key path from the {@code nexus} root, e.g. {@code routes[2].upstream}
 * @param file the file (or other source) the value came from
 * @param line the line in that file, or -1 when unknown
 */
public record ConfigProblem(String key, String message, String file, int line) {

    static ConfigProblem at(String key, String message, ConfigOrigin origin) {
        if (origin == null) {
            return new ConfigProblem(key, message, "unknown", -1);
        }
        String file = origin.filename() != null ? origin.filename()
            : origin.resource() != null ? origin.resource()
            : withoutLine(origin.description());
        return new ConfigProblem(key, message, file, origin.lineNumber());
    }

    /** Typesafe describes parsed text as "name: 12"; the line is reported separately. */
    private static String withoutLine(String description) {
        int colon = description.lastIndexOf(": ");
        if (colon > 0 && description.substring(colon + 2).chars().allMatch(Character::isDigit)) {
            return description.substring(0, colon);
        }
        return description;
    }

    @Override
    public String toString() {
        String where = line > 0 ? file + ":" + line : file;
        return key + ": " + message + " (" + where + ")";
    }
}
