package io.nexus.gateway.auth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Reads and removes one parameter of a raw query string without touching the request's
 * parameter map: {@code getParameter} could read a form body that belongs to the upstream.
 */
final class QueryParameters {

    private QueryParameters() {
    }

    /** The decoded value of the first {@code name} parameter, or {@code null}. */
    static String first(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (name.equals(key)) {
                return eq < 0 ? "" : decode(pair.substring(eq + 1));
            }
        }
        return null;
    }

    /** The query without any {@code name} parameter, {@code null} when nothing is left. */
    static String without(String query, String name) {
        if (query == null) {
            return null;
        }
        StringBuilder kept = new StringBuilder(query.length());
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (name.equals(decode(eq < 0 ? pair : pair.substring(0, eq)))) {
                continue;
            }
            if (!kept.isEmpty()) {
                kept.append('&');
            }
            kept.append(pair);
        }
        return kept.isEmpty() ? null : kept.toString();
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return text;
        }
    }
}
