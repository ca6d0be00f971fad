package io.nexus.gateway.proxy;

import java.nio.charset.StandardCharsets;

/**
 * Makes a client's raw query valid for the upstream request line: characters that RFC 3986
 * §3.4 does not allow in a query (a backslash, {@code [}, a space, a stray {@code %}, non-ASCII)
 * are percent-encoded, so they mean to the upstream what they meant to the client, and the
 * upstream URI can always be built (instead of a 500).
 */
final class QueryText {

    private static final String ALLOWED = "-._~!$&'()*+,;=:@/?";

    private QueryText() {
    }

    static String encodeInvalid(String query) {
        if (query == null || isValid(query)) {
            return query;
        }
        StringBuilder encoded = new StringBuilder(query.length() + 16);
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (allowed(c) || (c == '%' && hex(query, i + 1) && hex(query, i + 2))) {
                encoded.append(c);
            } else {
                for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
                    encoded.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
                }
            }
        }
        return encoded.toString();
    }

    private static boolean isValid(String query) {
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (!allowed(c) && !(c == '%' && hex(query, i + 1) && hex(query, i + 2))) {
                return false;
            }
        }
        return true;
    }

    private static boolean allowed(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || ALLOWED.indexOf(c) >= 0;
    }

    private static boolean hex(String text, int at) {
        return at < text.length() && Character.digit(text.charAt(at), 16) >= 0;
    }
}
