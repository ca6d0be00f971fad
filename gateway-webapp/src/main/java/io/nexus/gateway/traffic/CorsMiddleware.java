package io.nexus.gateway.traffic;

import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.error.GatewayError;
import io.nexus.gateway.middleware.Middleware;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * A route's {@code cors}: answers preflights itself (they never reach the upstream), refuses
 * requests from origins it does not allow with 403, and marks the answers to allowed ones. Runs
 * first, so that a preflight, which carries no credentials, is not refused by authentication,
 * and so that the gateway's own errors (401, 429) carry the headers a browser needs to read them.
 */
public final class CorsMiddleware implements Middleware {

    /** Before the rate limit and authentication. */
    public static final int PRIORITY = 100;

    private final RouteSettings route;
    private final CorsPolicy policy;
    private final boolean routeAllowsOptions;

    public CorsMiddleware(RouteSettings route) {
        this.route = route;
        this.policy = new CorsPolicy(route.traffic().cors().orElseThrow(() -> new IllegalStateException("route " + route.name() + " has no cors")));
        this.routeAllowsOptions = !route.traffic().cors().get().preflightOnlyOptions();
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        CorsPolicy.varyOnOrigin(response);
        String origin = request.getHeader(CorsPolicy.ORIGIN);
        if (origin == null || sameOrigin(request, origin)) {
            if (!routeAllowsOptions && "OPTIONS".equals(request.getMethod())) {
                notAllowed(request, response);
                return;
            }
            chain.doFilter(request, response);
            return;
        }
        if (!policy.allows(origin)) {
            ErrorResponses.send(request, response, GatewayError.FORBIDDEN, "cors_origin_not_allowed",
                "origin " + origin + " is not allowed by the CORS policy of route " + route.name());
            return;
        }
        if (CorsPolicy.isPreflight(request)) {
            preflight(request, response, origin);
            return;
        }
        if (!routeAllowsOptions && "OPTIONS".equals(request.getMethod())) {
            notAllowed(request, response);
            return;
        }
        policy.responseHeaders(response, origin);
        chain.doFilter(request, response);
    }

    private void preflight(HttpServletRequest request, HttpServletResponse response, String origin) throws IOException {
        String method = request.getHeader(CorsPolicy.REQUEST_METHOD);
        if (!policy.allowsMethod(method)) {
            ErrorResponses.send(request, response, GatewayError.FORBIDDEN, "cors_method_not_allowed",
                "method " + method + " is not allowed by the CORS policy of route " + route.name());
            return;
        }
        String requestedHeaders = request.getHeader(CorsPolicy.REQUEST_HEADERS);
        String refused = policy.refusedHeader(requestedHeaders);
        if (refused != null) {
            ErrorResponses.send(request, response, GatewayError.FORBIDDEN, "cors_header_not_allowed",
                "header " + refused + " is not allowed by the CORS policy of route " + route.name());
            return;
        }
        policy.preflightHeaders(response, origin, requestedHeaders);
        response.setStatus(HttpServletResponse.SC_NO_CONTENT);
    }

    private void notAllowed(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ErrorResponses.send(request, response, GatewayError.METHOD_NOT_ALLOWED, "method_not_allowed",
            "method OPTIONS is not allowed here (only as a CORS preflight)");
    }

    /**
     * A browser sends {@code Origin} on same-origin writes too; those are not CORS requests.
     * Compared with the scheme, host and port the request came to.
     */
    private static boolean sameOrigin(HttpServletRequest request, String origin) {
        String scheme = request.getScheme();
        String host = request.getServerName();
        int port = request.getServerPort();
        boolean defaultPort = ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
        String own = scheme + "://" + host + (defaultPort ? "" : ":" + port);
        return origin.equalsIgnoreCase(own);
    }
}
