package io.nexus.gateway.traffic;

import io.nexus.gateway.config.TrafficPolicy;
import io.nexus.gateway.exchange.Exchange;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.http.HttpFields;

/**
 * What the proxy applies of a route's traffic policy, compiled once per route: the header edits
 * of the request it sends upstream and of the upstream's response, and the route's CORS headers
 * over the upstream's own.
 */
public final class RouteTraffic {

    /** A route without header edits or CORS: the proxy skips it. */
    public static final RouteTraffic NONE = new RouteTraffic(null, null, null);

    private final HeaderEditor request;
    private final HeaderEditor response;
    private final CorsPolicy cors;

    private RouteTraffic(HeaderEditor request, HeaderEditor response, CorsPolicy cors) {
        this.request = request;
        this.response = response;
        this.cors = cors;
    }

    public static RouteTraffic of(TrafficPolicy policy) {
        HeaderEditor request = HeaderEditor.of(policy.headers().request());
        HeaderEditor response = HeaderEditor.of(policy.headers().response());
        CorsPolicy cors = policy.cors().map(CorsPolicy::new).orElse(null);
        return request == null && response == null && cors == null ? NONE : new RouteTraffic(request, response, cors);
    }

    /** Edits the headers of the request going upstream, after the gateway's own were added. */
    public void onProxyRequest(HttpFields.Mutable headers, Exchange exchange) {
        if (request != null) {
            request.apply(headers, exchange);
        }
    }

    /** After the upstream's response headers were copied to the client's response. */
    public void onUpstreamResponse(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, Exchange exchange) {
        if (cors != null) {
            String origin = clientRequest.getHeader(CorsPolicy.ORIGIN);
            cors.reassert(proxyResponse, origin != null && cors.allows(origin) ? origin : null);
        }
        if (response != null) {
            response.apply(proxyResponse, exchange);
        }
    }
}
