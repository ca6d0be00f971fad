package io.nexus.gateway.error;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes the contract's error body:
 * {@code {"error":{"status":503,"code":"overloaded","message":"...","request_id":"..."}}}.
 */
public final class ErrorResponses {

    private ErrorResponses() {
    }

    /**
     * Sends an error unless the response is already committed.
     *
     * @return whether the error was written
     */
    public static boolean send(HttpServletResponse response, GatewayError error, String message, String requestId) throws IOException {
        return send(response, error.status(), error.code(), message, requestId);
    }

    /** Sends an error with a status and code of its own (the fault middleware's), unless committed. */
    public static boolean send(HttpServletResponse response, int status, String code, String message, String requestId) throws IOException {
        if (response.isCommitted()) {
            return false;
        }
        response.resetBuffer();
        response.setStatus(status);
        response.setContentType("application/json");
        byte[] body = body(status, code, message, requestId).getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        return true;
    }

    /** The JSON text of an error. */
    public static String body(GatewayError error, String message, String requestId) {
        return body(error.status(), error.code(), message, requestId);
    }

    /** The JSON text of an error with a status and code of its own. */
    public static String body(int status, String code, String message, String requestId) {
        StringBuilder json = new StringBuilder(128);
        json.append("{\"error\":{\"status\":").append(status)
            .append(",\"code\":\"").append(code)
            .append("\",\"message\":");
        appendString(json, message);
        json.append(",\"request_id\":");
        appendString(json, requestId);
        return json.append("}}").toString();
    }

    private static void appendString(StringBuilder json, String value) {
        if (value == null) {
            json.append("null");
            return;
        }
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }
}
