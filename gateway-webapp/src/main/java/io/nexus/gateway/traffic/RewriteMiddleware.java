package io.nexus.gateway.traffic;

import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.error.GatewayError;
import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.middleware.Middleware;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Rewrites the upstream path of a route's requests once, before the upstream is called, and
 * refuses with 400 {@code rewrite_refused} a request whose rewritten path the canonical-path
 * rules would refuse: what the client sent is canonical, so only the groups it fills can bring
 * a dot or empty segment or an encoded sequence back.
 */
public final class RewriteMiddleware implements Middleware {

    /** After fault injection, before custom middlewares. */
    public static final int PRIORITY = 600;

    private final RouteSettings route;
    private final PathRewriter rewriter;

    public RewriteMiddleware(RouteSettings route) {
        this.route = route;
        this.rewriter = new PathRewriter(route.traffic().rewrite()
            .orElseThrow(() -> new IllegalStateException("route " + route.name() + " has no rewrite")));
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        Exchange exchange = Exchange.of(request);
        String rewritten = rewriter.rewrite(PathRewriter.stripped(route, exchange.path()));
        if (rewritten == null) {
            ErrorResponses.send(request, (HttpServletResponse) response, GatewayError.BAD_REQUEST, "rewrite_refused",
                "the rewrite of route " + route.name() + " would send a non-canonical path upstream");
            return;
        }
        exchange.put(PathRewriter.KEY, rewritten);
        chain.doFilter(request, response);
    }
}
