package io.nexus.gateway.exchange;

import jakarta.servlet.ServletRequest;

/**
 * What the gateway reads of a gRPC call (gRPC over HTTP/2, {@code PROTOCOL-HTTP2.md}): whether a
 * request is one, and its deadline, {@code grpc-timeout}.
 */
public final class Grpc {

    public static final String TIMEOUT = "grpc-timeout";
    public static final String STATUS = "grpc-status";
    public static final String MESSAGE = "grpc-message";
    private static final String CONTENT_TYPE = "application/grpc";
    /** At most 8 digits, as the spec says. */
    private static final int MAX_DIGITS = 8;

    private Grpc() {
    }

    /** Whether the request is a gRPC call: {@code application/grpc}, also {@code +proto}, {@code +json}. */
    public static boolean isCall(ServletRequest request) {
        String type = request.getContentType();
        return type != null && type.regionMatches(true, 0, CONTENT_TYPE, 0, CONTENT_TYPE.length());
    }

    /**
     * The call's {@code grpc-timeout} in milliseconds (at least 1), or {@code -1} when it has none
     * or a malformed one (which gRPC servers ignore too).
     */
    public static long timeoutMillis(String value) {
        if (value == null || value.length() < 2 || value.length() > MAX_DIGITS + 1) {
            return -1;
        }
        long amount = 0;
        for (int i = 0; i < value.length() - 1; i++) {
            char digit = value.charAt(i);
            if (digit < '0' || digit > '9') {
                return -1;
            }
            amount = amount * 10 + (digit - '0');
        }
        long nanos = switch (value.charAt(value.length() - 1)) {
            case 'H' -> amount * 3_600_000_000_000L;
            case 'M' -> amount * 60_000_000_000L;
            case 'S' -> amount * 1_000_000_000L;
            case 'm' -> amount * 1_000_000L;
            case 'u' -> amount * 1_000L;
            case 'n' -> amount;
            default -> -1;
        };
        return nanos < 0 ? -1 : Math.max(1, nanos / 1_000_000);
    }

    /** A {@code grpc-timeout} value for {@code millis}, within the spec's 8 digits. */
    public static String timeoutValue(long millis) {
        return millis < 100_000_000 ? millis + "m" : Math.min(millis / 1000, 99_999_999) + "S";
    }
}
