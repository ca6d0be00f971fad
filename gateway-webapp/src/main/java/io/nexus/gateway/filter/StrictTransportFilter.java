package io.nexus.gateway.filter;

import io.nexus.gateway.config.TlsSettings;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Adds {@code Strict-Transport-Security} ({@code server.tls.hsts}) to every response of a
 * request that arrived over TLS: the launcher's TLS port, or a WAR's HTTPS connector. Never on
 * plain HTTP (RFC 6797 §7.2: a browser ignores it there, and an attacker on the path could
 * strip or forge it). Set before the rest of the chain so that the gateway's own error answers
 * carry it too.
 */
public final class StrictTransportFilter extends HttpFilter {

    static final String HEADER = "Strict-Transport-Security";
    private final String value;

    public StrictTransportFilter(TlsSettings.Hsts hsts) {
        this.value = hsts.headerValue();
    }

    /** Whether there is a header to send; without one the filter is not installed. */
    public boolean active() {
        return value != null;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (request.isSecure()) {
            response.setHeader(HEADER, value);
        }
        chain.doFilter(request, response);
    }
}
