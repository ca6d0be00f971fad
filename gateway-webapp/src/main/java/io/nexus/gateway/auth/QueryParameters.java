package io.nexus.gateway.auth;

import java.util.StringJoiner;
import java.util.function.BiConsumer;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.UrlEncoded;

/**
 * Reads and removes one parameter of a raw query string without touching the request's
 * parameter map: {@code getParameter} could read a form body that belongs to the upstream.
 * Decoding is Jetty's {@link UrlEncoded}, lenient: a bad escape or bad UTF-8 in the client's
 * query is the upstream's to judge, not a reason to miss the parameter.
 */
final class QueryParameters {

    private QueryParameters() {
    }

    /** The decoded value of the first {@code name} parameter, or {@code null}. */
    static String first(String query, String name) {
        if (query == null) {
            return null;
        }
        // Case-sensitive: "API_KEY" is another parameter.
        Fields fields = new Fields(true);
        decode(query, 0, query.length(), fields::add);
        return fields.getValue(name);
    }

    /** The query without any {@code name} parameter, {@code null} when nothing is left. */
    static String without(String query, String name) {
        if (query == null) {
            return null;
        }
        // UrlEncoded gives names and values, not where they stand, and encoding them again would
        // change what the client sent (%7e, +, the order): the raw pairs are split here, each
        // pair's name is decoded by UrlEncoded, and the kept pairs go upstream byte for byte.
        StringJoiner kept = new StringJoiner("&");
        boolean removed = false;
        for (int start = 0; start <= query.length(); ) {
            int end = query.indexOf('&', start);
            end = end < 0 ? query.length() : end;
            if (isNamed(query, start, end, name)) {
                removed = true;
            } else {
                kept.add(query.substring(start, end));
            }
            start = end + 1;
        }
        if (!removed) {
            return query;
        }
        return kept.length() == 0 ? null : kept.toString();
    }

    private static boolean isNamed(String query, int start, int end, String name) {
        boolean[] named = {false};
        decode(query, start, end - start, (key, value) -> named[0] = name.equals(key));
        return named[0];
    }

    private static void decode(String query, int offset, int length, BiConsumer<String, String> pairs) {
        UrlEncoded.decodeUtf8To(query, offset, length, pairs, true, true, true);
    }
}
