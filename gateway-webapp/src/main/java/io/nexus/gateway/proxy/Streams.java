package io.nexus.gateway.proxy;

import io.nexus.gateway.config.RouteSettings.ResponseBuffering;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Which upstream responses are streams (docs/streaming.md): their content is flushed to the
 * client as it arrives, and the route's request timeout bounds only their head. A route with
 * {@code response-buffering = off} streams every response; with {@code auto}, the kinds of
 * response that are read as they arrive: Server-Sent Events, NDJSON, gRPC, a body whose length
 * the upstream did not know when it began (chunked, or ended by the connection's close), and a
 * response whose upstream says {@code X-Accel-Buffering: no}, the convention nginx introduced
 * and many frameworks emit for their event streams.
 */
final class Streams {

    /** The upstream's request to the proxy about buffering; never forwarded to the client. */
    static final String ACCEL_BUFFERING = "X-Accel-Buffering";

    private Streams() {
    }

    static boolean isStream(ResponseBuffering buffering, HttpFields headers) {
        if (buffering == ResponseBuffering.OFF) {
            return true;
        }
        HttpField accel = headers.getField(ACCEL_BUFFERING);
        if (accel != null && "no".equalsIgnoreCase(accel.getValue().trim())) {
            return true;
        }
        if (!headers.contains(HttpHeader.CONTENT_LENGTH)) {
            return true;
        }
        String type = headers.get(HttpHeader.CONTENT_TYPE);
        return type != null && (startsWithType(type, "text/event-stream") || startsWithType(type, "application/x-ndjson")
            || type.regionMatches(true, 0, "application/grpc", 0, 16));
    }

    /** Whether the media type (before any parameters) is {@code type}, case-insensitively. */
    private static boolean startsWithType(String value, String type) {
        return value.regionMatches(true, 0, type, 0, type.length())
            && (value.length() == type.length() || value.charAt(type.length()) == ';' || value.charAt(type.length()) == ' ');
    }
}
