package io.nexus.launcher;

import io.nexus.gateway.error.ContainerErrors;
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
        String requestId = RequestIdFilter.newId();
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(RequestIdFilter.HEADER, requestId);
        response.write(true, ByteBuffer.wrap(ContainerErrors.body(code, message, requestId)), callback);
    }
}
