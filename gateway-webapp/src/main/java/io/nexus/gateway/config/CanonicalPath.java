package io.nexus.gateway.config;

/**
 * The rule every path the gateway sends upstream keeps (docs/security.md): the container
 * refuses ambiguous request paths before routing, and a path the gateway makes itself (a
 * rewrite) must not bring back what it refused. Checked on the decoded path, before the proxy
 * encodes it.
 */
public final class CanonicalPath {

    private CanonicalPath() {
    }

    /** Why {@code path} is not canonical, or {@code null} when it is. */
    public static String refusal(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return "not an absolute path";
        }
        int segmentStart = 1;
        for (int i = 1; i <= path.length(); i++) {
            char c = i < path.length() ? path.charAt(i) : '/';
            if (c == '/') {
                int length = i - segmentStart;
                if (length == 0 && i < path.length()) {
                    return "an empty segment (//)";
                }
                if ((length == 1 || length == 2) && path.startsWith("..".substring(0, length), segmentStart)
                    && (length == 1 || path.charAt(segmentStart + 1) == '.')) {
                    return "a dot segment";
                }
                segmentStart = i + 1;
            } else if (c == '\\' || c == ';' || c < 0x20 || c == 0x7f) {
                return "a backslash, semicolon or control character";
            } else if (c == '%' && i + 2 < path.length() && isHex(path.charAt(i + 1)) && isHex(path.charAt(i + 2))) {
                return "a percent-encoded sequence";
            }
        }
        return null;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
