package io.nexus.gateway.routing;

import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.middleware.RouteChain;
import io.nexus.gateway.ratelimit.TrustedProxies;
import io.nexus.gateway.observability.GatewayMetrics;
import io.nexus.gateway.traffic.CanarySplit;
import io.nexus.gateway.traffic.Mirror;
import io.nexus.gateway.traffic.PathRewriter;
import io.nexus.gateway.traffic.RouteTraffic;
import io.nexus.gateway.upstream.RetryBudget;
import io.nexus.gateway.upstream.Upstream;
import java.util.ArrayList;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A route as the request path sees it: settings plus the upstream and meters resolved once. */
public final class Route {

    /** The matched route of a request, set by routing. */
    public static final Exchange.Key<Route> KEY = Exchange.Key.of("route");

    private final RouteSettings settings;
    private static final String[] ANY_METHOD = new String[0];

    private final Upstream upstream;
    private final Exchange.Recorder recorder;
    private final RouteChain chain;
    private final RetryBudget retryBudget;
    private final long requestTimeoutMillis;
    private final String[] methods;
    private final String host;
    private final boolean wildcardHost;
    private final TrustedProxies forwardingProxies;
    private final RouteTraffic traffic;
    private final CanarySplit split;
    private final Mirror mirror;

    public Route(RouteSettings settings, Upstream upstream, Exchange.Recorder recorder, RouteChain chain) {
        this(settings, upstream, null, null, recorder, chain);
    }

    /**
     * A route whose upstream, the sides of its {@code split} and its {@code mirror}'s shadow are
     * taken from a snapshot's upstreams.
     */
    public Route(RouteSettings settings, Map<String, Upstream> upstreams, Exchange.Recorder recorder, RouteChain chain, GatewayMetrics metrics) {
        this(settings, upstreams.get(settings.upstream()), CanarySplit.of(settings.traffic(), upstreams),
            Mirror.of(settings, upstreams, metrics), recorder, chain);
    }

    private Route(RouteSettings settings, Upstream upstream, CanarySplit split, Mirror mirror, Exchange.Recorder recorder, RouteChain chain) {
        this.settings = settings;
        this.split = split;
        this.mirror = mirror;
        this.upstream = upstream;
        this.recorder = recorder;
        this.chain = chain;
        this.retryBudget = settings.retries().map(r -> new RetryBudget(r.budgetPercent(), r.minRetries())).orElse(null);
        this.requestTimeoutMillis = settings.requestTimeout().orElse(upstream.settings().requestTimeout()).toMillis();
        Set<String> allowed = settings.methods();
        this.methods = allowed.isEmpty() ? ANY_METHOD : allowed.toArray(String[]::new);
        String configuredHost = settings.host().orElse(null);
        this.wildcardHost = configuredHost != null && configuredHost.startsWith("*.");
        // "*.example.com" is kept as ".example.com" so that a suffix compare does the match.
        this.host = wildcardHost ? configuredHost.substring(1) : configuredHost;
        // The route's own list and its rate limiter's: a proxy believed about the client's
        // address is believed about the rest of what it forwards.
        List<String> trusted = new ArrayList<>(settings.clientHeaders().trustedProxies());
        settings.rateLimit().ifPresent(limit -> trusted.addAll(limit.trustedProxies()));
        this.forwardingProxies = TrustedProxies.of(trusted);
        this.traffic = RouteTraffic.of(settings.traffic());
    }

    /** The route's header edits and CORS, as the proxy applies them. */
    public RouteTraffic traffic() {
        return traffic;
    }

    /**
     * Whether this route keeps the forwarding and override headers of a request from {@code peer}:
     * a trusted proxy's, or everyone's with {@code trust-forwarding-headers}.
     */
    public boolean trustsForwardingHeadersFrom(String peer) {
        return settings.clientHeaders().trustForwardingHeaders() || (!forwardingProxies.isEmpty() && forwardingProxies.contains(peer));
    }

    public String name() {
        return settings.name();
    }

    public RouteSettings settings() {
        return settings;
    }

    public Upstream upstream() {
        return upstream;
    }

    public String upstreamName() {
        return upstream.name();
    }

    /** Where copies of the route's requests go, or {@code null}. */
    public Mirror mirror() {
        return mirror;
    }

    /** The upstream of one request: the route's, or the side of its split the request falls on. */
    public Upstream upstreamFor(HttpServletRequest request) {
        return split == null ? upstream : split.pick(request);
    }

    /** Records the route's completed exchanges. */
    public Exchange.Recorder recorder() {
        return recorder;
    }

    /** The route's own middlewares, in priority order. */
    public RouteChain chain() {
        return chain;
    }

    /** The route's middlewares by name, in the order they run (what the admin API shows). */
    public List<String> middlewareNames() {
        return chain.names();
    }

    /** The budget of the route's own {@code retries} block, or {@code null} when it has none (its upstream's apply). */
    public RetryBudget retryBudget() {
        return retryBudget;
    }

    /** The whole-exchange timeout: the route's own, else its upstream's. */
    public long requestTimeoutMillis() {
        return requestTimeoutMillis;
    }

    boolean matchesHost(String requestHost) {
        if (host == null) {
            return true;
        }
        if (requestHost == null) {
            return false;
        }
        if (!wildcardHost) {
            return host.equalsIgnoreCase(requestHost);
        }
        int offset = requestHost.length() - host.length();
        return offset > 0 && requestHost.regionMatches(true, offset, host, 0, host.length());
    }

    boolean allowsMethod(String method) {
        if (methods.length == 0) {
            return true;
        }
        for (String allowed : methods) {
            if (allowed.equals(method)) {
                return true;
            }
        }
        return false;
    }

    boolean hasHost() {
        return host != null;
    }

    /**
     * The path to send upstream: the request path, without the route's prefix when
     * {@code strip-prefix} is set (an emptied path becomes {@code /}).
     */
    public String upstreamPath(String requestPath) {
        return PathRewriter.stripped(settings, requestPath);
    }

    /** The path to send upstream for a routed request: the rewrite middleware's, else {@link #upstreamPath(String)}. */
    public String upstreamPath(Exchange exchange) {
        String rewritten = exchange.get(PathRewriter.KEY);
        return rewritten != null ? rewritten : upstreamPath(exchange.path());
    }

    @Override
    public String toString() {
        return "Route[" + settings.name() + " " + settings.match() + " " + settings.path() + " -> " + upstream.name() + "]";
    }
}
