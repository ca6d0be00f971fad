package io.nexus.gateway.export;

import java.util.List;
import java.util.Map;

/**
 * Writes a tree of maps, lists, strings, numbers and booleans as block YAML. Every string value
 * (and every key but plain lower-case words) is double-quoted with JSON escapes, which YAML reads the same way, so no value can turn into
 * another type ({@code "on"}, {@code "1e3"}) or break the structure.
 */
final class Yaml {

    private static final java.util.regex.Pattern PLAIN_KEY = java.util.regex.Pattern.compile("[a-z][a-z0-9_]*");

    private Yaml() {
    }

    static String write(Map<String, ?> root) {
        StringBuilder out = new StringBuilder(4096);
        map(root, 0, out);
        return out.toString();
    }

    private static void map(Map<String, ?> map, int depth, StringBuilder out) {
        for (Map.Entry<String, ?> entry : map.entrySet()) {
            out.append("  ".repeat(depth)).append(key(entry.getKey())).append(':');
            value(entry.getValue(), depth, out);
        }
    }

    private static void value(Object value, int depth, StringBuilder out) {
        if (value instanceof Map<?, ?> nested && !nested.isEmpty()) {
            out.append('\n');
            @SuppressWarnings("unchecked")
            Map<String, ?> typed = (Map<String, ?>) nested;
            map(typed, depth + 1, out);
        } else if (value instanceof List<?> list && !list.isEmpty()) {
            out.append('\n');
            for (Object element : list) {
                out.append("  ".repeat(depth + 1)).append('-');
                if (element instanceof Map<?, ?> nested && !nested.isEmpty()) {
                    // The first key on the dash's line, the others aligned under it.
                    StringBuilder item = new StringBuilder();
                    @SuppressWarnings("unchecked")
                    Map<String, ?> typed = (Map<String, ?>) nested;
                    map(typed, depth + 2, item);
                    out.append(' ').append(item.substring(2 * (depth + 2)));
                } else {
                    value(element, depth + 1, out);
                }
            }
        } else {
            out.append(' ').append(value instanceof Map ? "{}" : value instanceof List ? "[]" : scalar(value)).append('\n');
        }
    }

    /** A plain key when it is a plain word ({@code static_resources}); quoted otherwise ({@code "@type"}). */
    private static String key(String key) {
        // YAML 1.1 readers take these words for booleans and null.
        boolean special = java.util.Set.of("y", "n", "yes", "no", "on", "off", "true", "false", "null").contains(key);
        return PLAIN_KEY.matcher(key).matches() && !special ? key : scalar(key);
    }

    private static String scalar(Object value) {
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        String text = String.valueOf(value);
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
