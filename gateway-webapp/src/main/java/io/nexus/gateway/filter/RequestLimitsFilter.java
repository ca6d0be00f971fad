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
 */
public final class RequestLimitsFilter extends HttpFilter {

    private final int maxHeaderCount;

    public RequestLimitsFilter(RequestLimits limits) {
        this.maxHeaderCount = limits.maxHeaderCount();
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain) throws IOException, ServletException {
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
}
