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

    /** What kind of response the upstream's head announces. */
    enum Kind {
        /** Written in full buffers (a known length, an ordinary type, on an {@code auto} route). */
        BUFFERED,
        /** Flows, with its head: a body of unknown length, or any response of an {@code off} route. */
        FLOWING,
        /**
         * Flows, and says it is a stream (its type, or {@code X-Accel-Buffering: no}): its head
         * goes out at once, so that an {@code EventSource} opens before the first event.
         */
        DECLARED
    }

    static Kind of(ResponseBuffering buffering, HttpFields headers) {
        HttpField accel = headers.getField(ACCEL_BUFFERING);
        if (accel != null && "no".equalsIgnoreCase(accel.getValue().trim())) {
            return Kind.DECLARED;
        }
        String type = headers.get(HttpHeader.CONTENT_TYPE);
        if (type != null && (startsWithType(type, "text/event-stream") || startsWithType(type, "application/x-ndjson")
            || type.regionMatches(true, 0, "application/grpc", 0, 16))) {
            return Kind.DECLARED;
        }
        return buffering == ResponseBuffering.OFF || !headers.contains(HttpHeader.CONTENT_LENGTH) ? Kind.FLOWING : Kind.BUFFERED;
    }

    /** Whether the media type (before any parameters) is {@code type}, case-insensitively. */
    private static boolean startsWithType(String value, String type) {
        return value.regionMatches(true, 0, type, 0, type.length())
            && (value.length() == type.length() || value.charAt(type.length()) == ';' || value.charAt(type.length()) == ' ');
    }
}
