package io.nexus.gateway.filter;

import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.routing.Route;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** Runs the matched route's own middlewares (each in its guard), then the proxy. */
public final class RouteChainFilter extends HttpFilter {

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain) throws IOException, ServletException {
        Exchange.of(request).get(Route.KEY).chain().doFilter(request, response, chain);
    }
}
