package io.nexus.gateway.filter;

import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.error.GatewayError;
import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.exchange.Grpc;
import io.nexus.gateway.routing.Route;
import io.nexus.gateway.routing.RouteTable;
import io.nexus.gateway.snapshot.CurrentSnapshot;
import io.nexus.gateway.snapshot.GatewaySnapshot;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Matches the request against the current route table: 404 {@code no_route} when nothing
 * matches, 405 {@code method_not_allowed} when only the method differs. Routing uses the
 * container's decoded, normalized path, the same path the proxy forwards.
 */
public final class RoutingFilter extends HttpFilter {

    private final transient CurrentSnapshot snapshots;

    public RoutingFilter(CurrentSnapshot snapshots) {
        this.snapshots = snapshots;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain) throws IOException, ServletException {
        Exchange exchange = Exchange.of(request);
        String path = request.getPathInfo();
        if (path == null) {
            path = "/";
        }
        String host = request.getServerName();
        // The request keeps this snapshot (and its routes, clients and middlewares) to the end.
        GatewaySnapshot snapshot = snapshots.acquire();
        exchange.hold(snapshot);
        RouteTable routes = snapshot.routes();
        Route route = routes.find(request.getMethod(), host, path);
        if (route == null) {
            exchange.recordWith(snapshot.unmatchedRecorder());
            if (routes.matchesPathWithOtherMethod(host, path)) {
                ErrorResponses.send(request, response, GatewayError.METHOD_NOT_ALLOWED, "method_not_allowed", "method " + request.getMethod() + " is not allowed here");
            } else {
                ErrorResponses.send(request, response, GatewayError.NO_ROUTE, "route_not_found", "no route matches this request");
            }
            return;
        }
        exchange.put(Route.KEY, route);
        exchange.deadlineAfter(deadlineMillis(request, route));
        exchange.routed(route.name(), route.upstreamName(), path, route.recorder());
        chain.doFilter(request, response);
    }

    /** The route's request timeout, or a gRPC call's own {@code grpc-timeout} when that is shorter. */
    private static long deadlineMillis(HttpServletRequest request, Route route) {
        long timeout = route.requestTimeoutMillis();
        if (Grpc.isCall(request)) {
            long grpc = Grpc.timeoutMillis(request.getHeader(Grpc.TIMEOUT));
            if (grpc > 0 && grpc < timeout) {
                return grpc;
            }
        }
        return timeout;
    }
}
