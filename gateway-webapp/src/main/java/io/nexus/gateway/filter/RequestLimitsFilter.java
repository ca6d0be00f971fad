package io.nexus.gateway.filter;

import io.nexus.gateway.config.RequestLimits;
import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.error.GatewayError;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;

/**
 * Refuses requests with more header fields than {@code max-header-count} (400
 * {@code bad_request}). The connector's parser already enforces the byte limits and the
 * framing rules (CL+TE, duplicate Content-Length, bare CR/LF); Jetty has no field count limit.
 * Also refuses HTTP/2 and HTTP/3 requests that carry connection-specific fields, which RFC 9113
 * §8.2.2 makes malformed (Jetty accepts them).
 */
public final class RequestLimitsFilter extends HttpFilter {

    /** Connection-specific fields; {@code te} is allowed with the value {@code trailers} only. */
    private static final String[] CONNECTION_SPECIFIC = {"connection", "transfer-encoding", "keep-alive", "upgrade", "proxy-connection"};

    private final int maxHeaderCount;

    public RequestLimitsFilter(RequestLimits limits) {
        this.maxHeaderCount = limits.maxHeaderCount();
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (!request.getProtocol().startsWith("HTTP/1")) {
            String field = connectionSpecificField(request);
            if (field != null) {
                ErrorResponses.send(request, response, GatewayError.BAD_REQUEST, "connection_specific_header",
                    "an HTTP/2 request must not carry the connection-specific field " + field);
                return;
            }
        }
        int count = 0;
        for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
            for (Enumeration<String> values = request.getHeaders(names.nextElement()); values.hasMoreElements(); values.nextElement()) {
                count++;
            }
        }
        if (count > maxHeaderCount) {
            ErrorResponses.send(request, response, GatewayError.BAD_REQUEST, "too_many_header_fields",
                "more than " + maxHeaderCount + " header fields");
            return;
        }
        chain.doFilter(request, response);
    }

    private static String connectionSpecificField(HttpServletRequest request) {
        for (String name : CONNECTION_SPECIFIC) {
            if (request.getHeader(name) != null) {
                return name;
            }
        }
        String te = request.getHeader("te");
        return te != null && !te.trim().equalsIgnoreCase("trailers") ? "te" : null;
    }
}
