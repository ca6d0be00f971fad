package io.nexus.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One element of {@code nexus.routes}, merged over {@code nexus.route-defaults}.
 *
 * @param methods upper-case method names; empty means every method
 * @param host lower-case host to match ({@code *.example.com} matches subdomains), if any
 * @param requestTimeout overrides the upstream's {@code request-timeout} when present
 * @param middlewares registry names this route runs (a {@code fault} block adds {@code fault})
 * @param fault the fault middleware's settings, whenever the route runs it: its {@code fault}
 *     block over reference.conf's template, or the template alone for a route that lists
 *     {@code fault} in {@code middlewares} without a block
 * @param retries the route's retry policy; none unless the route opts in with a {@code retries} block
 * @param rateLimit the rate limiter's settings, when the route has a {@code rate-limit} block
 *     (which adds {@code rate-limit} to {@code middlewares})
 * @param auth the {@code nexus.auth} entry the route's {@code auth} names (the {@code auth} middleware runs it)
 * @param clientHeaders which of the client's own headers the route lets through to its upstream
 * @param pathMatching how leniently {@code path} is compared with the request path
 * @param forwardEarlyHints whether an upstream's {@code 103 Early Hints} reach the client
 * @param responseBuffering when the upstream's response content is flushed to the client as it arrives
 * @param priority who is shed first when the route's upstream is saturated
 * @param webSocket whether and how the route proxies WebSocket
 * @param keepUpstreamServerHeader whether the upstream's {@code Server} and {@code X-Powered-By} reach the client
 * @param traffic header edits, path rewrite and CORS (docs/traffic-policy.md)
 */
public record RouteSettings(
    String name,
    String path,
    MatchKind match,
    String upstream,
    boolean stripPrefix,
    Set<String> methods,
    Optional<String> host,
    Optional<Duration> requestTimeout,
    List<String> middlewares,
    Optional<FaultSettings> fault,
    Optional<RetrySettings> retries,
    Optional<RateLimitSettings> rateLimit,
    Optional<AuthSettings> auth,
    ClientHeaderPolicy clientHeaders,
    PathMatching pathMatching,
    boolean forwardEarlyHints,
    ResponseBuffering responseBuffering,
    Priority priority,
    Optional<String> group,
    WebSocketSettings webSocket,
    boolean keepUpstreamServerHeader,
    TrafficPolicy traffic) {

    /** The middleware a route's {@code fault} block adds. */
    public static final String FAULT = "fault";
    /** The middleware a route's {@code rate-limit} block adds. */
    public static final String RATE_LIMIT = "rate-limit";
    /** The middleware a route's {@code auth} key adds. */
    public static final String AUTH = "auth";
    /**
     * The middlewares every gateway has: their names are the route keys above, so they are
     * written here once; the composition root registers a factory under each.
     */
    public static final Set<String> BUILT_IN_MIDDLEWARES = Set.of(FAULT, RATE_LIMIT, AUTH, TrafficPolicy.CORS, TrafficPolicy.REWRITE);

    public RouteSettings {
        methods = Set.copyOf(methods);
        middlewares = List.copyOf(middlewares);
    }

    /**
     * A route with reference.conf's client-header policy, path matching, {@code early-hints = forward}
     * {@code response-buffering = auto}, {@code priority = normal}, no group, no WebSocket, upstream banners removed
     * and no traffic policy (for tests and benchmarks).
     */
    public RouteSettings(String name, String path, MatchKind match, String upstream, boolean stripPrefix, Set<String> methods,
                         Optional<String> host, Optional<Duration> requestTimeout, List<String> middlewares, Optional<FaultSettings> fault,
                         Optional<RetrySettings> retries, Optional<RateLimitSettings> rateLimit, Optional<AuthSettings> auth) {
        this(name, path, match, upstream, stripPrefix, methods, host, requestTimeout, middlewares, fault, retries, rateLimit, auth,
            ClientHeaderPolicy.STRICT, PathMatching.STRICT, true, ResponseBuffering.AUTO, Priority.NORMAL, Optional.empty(),
            WebSocketSettings.OFF, false, TrafficPolicy.NONE);
    }

    /** A route's {@code response-buffering}: which responses flow to the client as the upstream produces them. */
    public enum ResponseBuffering {
        /**
         * Streams flow (an event stream, NDJSON, gRPC, a body of unknown length, or an upstream's
         * {@code X-Accel-Buffering: no}); a response of known length is written in full buffers.
         */
        AUTO,
        /** Every response flows: each piece read from the upstream is flushed to the client at once. */
        OFF
    }

    /**
     * How a route's path is compared with the request path, besides {@code match}.
     *
     * @param caseInsensitive {@code /ADMIN} matches {@code /admin}
     * @param trailingSlashEquivalent {@code /admin/} matches an exact {@code /admin} (a prefix route always did)
     */
    public record PathMatching(boolean caseInsensitive, boolean trailingSlashEquivalent) {

        /** reference.conf's defaults: the path as written, byte for byte. */
        public static final PathMatching STRICT = new PathMatching(false, false);
    }

    /**
     * What a route forwards of the headers a client wrote (docs/security.md, "Edges closed in round 2").
     *
     * @param forwardUnderscoreHeaders forward header names containing {@code _} (dropped by default,
     *     as nginx does: CGI, WSGI and Rack upstreams read {@code X_Auth_Subject} as {@code X-Auth-Subject})
     * @param trustForwardingHeaders keep the client's {@code Forwarded}, {@code X-Forwarded-*},
     *     {@code X-Real-IP} and override headers whoever sent them
     * @param trustedProxies CIDRs of peers whose forwarding and override headers are kept
     * @param forwardedHosts lower-case hosts ({@code *.example.com} for subdomains) that may go
     *     upstream as {@code X-Forwarded-Host}; empty: any
     */
    public record ClientHeaderPolicy(boolean forwardUnderscoreHeaders, boolean trustForwardingHeaders, List<String> trustedProxies,
                                     List<String> forwardedHosts) {

        /** reference.conf's defaults: nothing of the kind is forwarded. */
        public static final ClientHeaderPolicy STRICT = new ClientHeaderPolicy(false, false, List.of(), List.of());

        public ClientHeaderPolicy {
            trustedProxies = List.copyOf(trustedProxies);
            forwardedHosts = List.copyOf(forwardedHosts);
        }

        /** Whether the client's host (port ignored, case-insensitive) may go upstream as {@code X-Forwarded-Host}. */
        public boolean forwardsHost(String host) {
            if (forwardedHosts.isEmpty()) {
                return true;
            }
            String name = host;
            int colon = host.lastIndexOf(':');
            if (colon > 0 && host.indexOf(']') < colon && (host.startsWith("[") || host.indexOf(':') == colon)) {
                name = host.substring(0, colon);
            }
            for (String allowed : forwardedHosts) {
                if (allowed.startsWith("*.")
                    ? name.length() > allowed.length() - 1 && name.regionMatches(true, name.length() - allowed.length() + 1, allowed, 1, allowed.length() - 1)
                    : name.equalsIgnoreCase(allowed)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A route's {@code priority}: what its upstream does with it when it has no free place (docs/resilience.md). */
    public enum Priority {
        /** Gets a freed place before any waiting normal request; may wait beyond a full queue. */
        HIGH,
        /** Waits in the queue, in arrival order. */
        NORMAL,
        /** Never waits: refused at once when no place is free or anyone waits, the first shed. */
        LOW
    }

    /** How a route's {@code path} is compared with the request path. */
    public enum MatchKind {
        /** The path equals {@code path}. */
        EXACT,
        /** The path equals {@code path} or continues it after a {@code /}. */
        PREFIX
    }
}
