package io.nexus.launcher;

import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.error.GatewayError;
import io.nexus.gateway.filter.RequestIdFilter;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors that Jetty answers before any filter runs (a request it could not parse, a URI or
 * header over the limits, an ambiguous path) in the contract's JSON instead of Jetty's HTML, with
 * a fresh {@code X-Request-Id}. Jetty's reason (fixed text such as "Ambiguous URI path
 * separator") is the message; nothing of the request is echoed back.
 */
final class JsonErrorHandler extends ErrorHandler {

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        GatewayError error = switch (code) {
            case 413 -> GatewayError.PAYLOAD_TOO_LARGE;
            case 400 -> GatewayError.BAD_REQUEST;
            default -> null;
        };
        String requestId = RequestIdFilter.newId();
        String codeName = error != null ? error.code() : code == 431 ? "headers_too_large" : code == 414 ? "uri_too_long"
            : code < 500 ? GatewayError.BAD_REQUEST.code() : GatewayError.INTERNAL.code();
        byte[] body = ErrorResponses.body(code, codeName, cause(code), message == null ? "bad request" : message, requestId);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(RequestIdFilter.HEADER, requestId);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** The contract's cause of what Jetty refused before the gateway saw the request. */
    private static String cause(int code) {
        return switch (code) {
            case 413 -> "request_body_too_large";
            case 414 -> "uri_too_long";
            case 431 -> "request_headers_too_large";
            case 400 -> "malformed_request";
            default -> code < 500 ? "malformed_request" : "internal_error";
        };
    }
}
