package io.nexus.gateway.admin;

import io.nexus.gateway.config.AdminSettings;
import io.nexus.gateway.config.IpLiteral;
import io.nexus.gateway.error.ErrorResponses;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;

/**
 * Guards what the admin connector keeps private by binding to loopback, in a WAR, where the
 * endpoints under {@code /_nexus} share the public port: {@code /_nexus/metrics} (whose labels
 * name routes, upstreams and target URLs) needs the admin bearer token, and the probes answer
 * loopback clients only, each unless {@code nexus.admin.war} says otherwise. The API under
 * {@code /_nexus/api/v1/} needs the token anyway.
 */
final class WarAdminGuard implements Filter {

    private final String metricsPath;
    private final BearerToken token;
    private final AdminSettings.War settings;

    WarAdminGuard(String prefix, AdminSettings admin) {
        this.metricsPath = prefix + "/metrics";
        this.token = new BearerToken(admin.token());
        this.settings = admin.war();
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        if (path.equals(metricsPath)) {
            if (settings.metricsRequireToken() && !allowed(request, response)) {
                return;
            }
        } else if (!settings.remoteProbes() && !isLoopback(request.getRemoteAddr())) {
            ErrorResponses.send(response, 403, "forbidden", "remote_probe_refused",
                "the probes under /_nexus answer loopback clients only (nexus.admin.war.remote-probes = true allows others)");
            return;
        }
        chain.doFilter(request, response);
    }

    private boolean allowed(HttpServletRequest request, HttpServletResponse response) throws IOException {
        switch (token.check(request.getHeader("Authorization"))) {
            case NO_TOKEN_CONFIGURED -> {
                ErrorResponses.send(response, 403, "forbidden", "admin_api_disabled",
                    "/_nexus/metrics needs nexus.admin.token (or nexus.admin.war.metrics-require-token = false)");
                return false;
            }
            case MISSING_OR_WRONG -> {
                response.setHeader("WWW-Authenticate", "Bearer realm=\"nexus-admin\"");
                ErrorResponses.send(response, 401, "unauthorized", "invalid_admin_token", "a valid admin bearer token is required");
                return false;
            }
            default -> {
                return true;
            }
        }
    }

    /** The container's remote address is an IP literal: nothing is looked up. */
    private static boolean isLoopback(String address) {
        InetAddress literal = IpLiteral.parse(address);
        return literal != null && literal.isLoopbackAddress();
    }
}
