package io.nexus.gateway.error;

import io.nexus.gateway.exchange.Grpc;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;

/**
 * The gateway's own refusal of a gRPC call, answered the gRPC way (the contract's table): HTTP
 * 200, trailers-only (the status in the response head, no body), {@code grpc-status} mapped from
 * the HTTP status the gateway would have answered, {@code grpc-message} with the cause and the
 * message. A gRPC client reads only those; an HTTP 4xx or 5xx would reach it as a bare
 * {@code UNKNOWN} or {@code UNAVAILABLE} without the reason.
 */
public final class GrpcErrors {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private GrpcErrors() {
    }

    /** The gRPC status code for an HTTP status the gateway answers (gRPC's own HTTP mapping, plus 504 to DEADLINE_EXCEEDED). */
    public static int status(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> 13;
            case 401 -> 16;
            case 403 -> 7;
            case 404, 405 -> 12;
            case 408, 504 -> 4;
            case 413 -> 8;
            case 429 -> 8;
            case 502, 503 -> 14;
            default -> httpStatus >= 500 ? 13 : 2;
        };
    }

    static void send(HttpServletResponse response, int httpStatus, String cause, String message) {
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("application/grpc");
        response.setHeader(Grpc.STATUS, Integer.toString(status(httpStatus)));
        response.setHeader(Grpc.MESSAGE, percentEncoded(cause + ": " + message));
        response.setContentLength(0);
    }

    /** grpc-message is percent-encoded UTF-8: bytes outside printable ASCII, and {@code %}. */
    static String percentEncoded(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        StringBuilder text = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (c >= 0x20 && c <= 0x7E && c != '%') {
                text.append((char) c);
            } else {
                text.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return text.toString();
    }
}
