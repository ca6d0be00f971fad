package io.nexus.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A route's traffic policies (docs/traffic-policy.md): header edits, a path rewrite and CORS.
 * One record, so that a route holds its policies together and a reload compares them as one.
 *
 * @param headers edits of the request sent upstream and of the upstream's response
 * @param rewrite a regex rewrite of the upstream path, after {@code strip-prefix}
 * @param cors the route's CORS policy, answered by the gateway
 * @param split the upstreams a route's requests are shared between, instead of its one
 *     {@code upstream}; empty without a {@code split}
 * @param sticky what keeps a user on one side of the split, if anything
 * @param mirror where copies of the route's requests go, if anywhere
 */
public record TrafficPolicy(HeaderEdits.Both headers, Optional<Rewrite> rewrite, Optional<Cors> cors, List<SplitWay> split,
                            Optional<Sticky> sticky, Optional<Mirror> mirror) {

    /** The middleware a route's {@code cors} block adds. */
    public static final String CORS = "cors";
    /** The middleware a route's {@code rewrite} block adds. */
    public static final String REWRITE = "rewrite";

    /** No policy: what a route without the keys has. */
    public static final TrafficPolicy NONE = new TrafficPolicy(HeaderEdits.Both.NONE, Optional.empty(), Optional.empty(), List.of(),
        Optional.empty(), Optional.empty());

    public TrafficPolicy {
        split = List.copyOf(split);
    }

    /**
     * One side of a route's {@code split}.
     *
     * @param weight the side's share among the weights (0: only requests its header picks)
     * @param matchHeader a request with this header and value goes to this side, whatever the weights
     */
    public record SplitWay(String upstream, int weight, Optional<MatchHeader> matchHeader) {
    }

    /**
     * A route's {@code mirror}: copies of a share of its requests go to another upstream, whose
     * answers are discarded.
     *
     * @param percent share of requests copied (0 to 100)
     * @param maxBody a request with a longer body is not copied
     * @param maxInFlight copies at once; beyond, a copy is dropped (and counted)
     */
    public record Mirror(String upstream, double percent, long maxBody, int maxInFlight) {
    }

    /** A header and its exact value. */
    public record MatchHeader(String name, String value) {
    }

    /**
     * A route's {@code split-sticky}: the request header or cookie whose value is hashed to pick
     * the side, so that one user stays on one side (and moves only when the weights move past them).
     */
    public record Sticky(Optional<String> header, Optional<String> cookie) {
    }

    /**
     * One direction's header edits, applied in the order remove, set, add. Values are templates:
     * {@code ${request_id}}, {@code ${client_ip}} and {@code ${route}} are replaced per request.
     *
     * @param set replaces every value of the header (names as written)
     * @param add adds a value, keeping those already there
     * @param remove header names taken away
     */
    public record HeaderEdits(Map<String, String> set, Map<String, String> add, List<String> remove) {

        public static final HeaderEdits NONE = new HeaderEdits(Map.of(), Map.of(), List.of());

        public HeaderEdits {
            set = Map.copyOf(set);
            add = Map.copyOf(add);
            remove = List.copyOf(remove);
        }

        public boolean isEmpty() {
            return set.isEmpty() && add.isEmpty() && remove.isEmpty();
        }

        /** The route's {@code headers} block: the request sent upstream, and the upstream's response. */
        public record Both(HeaderEdits request, HeaderEdits response) {
            public static final Both NONE = new Both(HeaderEdits.NONE, HeaderEdits.NONE);
        }
    }

    /**
     * A route's {@code rewrite}: the upstream path (after {@code strip-prefix}) matched against
     * {@code regex}; when it matches, replaced by {@code replacement} with {@code $1} groups.
     * Kept as text so that two configs with the same rewrite compare equal.
     */
    public record Rewrite(String regex, String replacement) {
    }

    /**
     * A route's {@code cors} block.
     *
     * @param allowedOrigins exact origins ({@code scheme://host[:port]}, lower case), or {@code *} alone
     * @param allowedMethods methods a preflight may ask for
     * @param allowedHeaders request headers a preflight may ask for (lower case); {@code *} for any
     * @param exposedHeaders response headers the browser's script may read
     * @param preflightOnlyOptions the route lists its methods without {@code OPTIONS}: the
     *     gateway added it for preflights, and a plain {@code OPTIONS} is still 405
     */
    public record Cors(List<String> allowedOrigins, List<String> allowedMethods, List<String> allowedHeaders, List<String> exposedHeaders,
                       boolean allowCredentials, Duration maxAge, boolean preflightOnlyOptions) {

        public Cors {
            allowedOrigins = List.copyOf(allowedOrigins);
            allowedMethods = List.copyOf(allowedMethods);
            allowedHeaders = List.copyOf(allowedHeaders);
            exposedHeaders = List.copyOf(exposedHeaders);
        }

        public boolean anyOrigin() {
            return allowedOrigins.contains("*");
        }
    }
}
