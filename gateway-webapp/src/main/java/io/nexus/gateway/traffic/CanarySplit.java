package io.nexus.gateway.traffic;

import io.nexus.gateway.config.TrafficPolicy;
import io.nexus.gateway.upstream.Upstream;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks the upstream of one request of a route with a {@code split}: the first side whose
 * {@code match-header} the request carries, else a weighted choice; random per request, or with
 * {@code split-sticky} the hash of a header's or cookie's value, so that one user stays on one
 * side. The sides lie in file order on [0, total weight): when a reload moves the weights, only
 * the users whose point the border passed change sides.
 */
public final class CanarySplit {

    private final Upstream[] upstreams;
    /** Each side's upper bound on [0, total). */
    private final long[] bounds;
    private final long total;
    private final String[] matchNames;
    private final String[] matchValues;
    private final String stickyHeader;
    private final String stickyCookie;

    private CanarySplit(TrafficPolicy policy, Map<String, Upstream> byName) {
        List<TrafficPolicy.SplitWay> ways = policy.split();
        upstreams = new Upstream[ways.size()];
        bounds = new long[ways.size()];
        matchNames = new String[ways.size()];
        matchValues = new String[ways.size()];
        long sum = 0;
        for (int i = 0; i < ways.size(); i++) {
            TrafficPolicy.SplitWay way = ways.get(i);
            upstreams[i] = byName.get(way.upstream());
            if (upstreams[i] == null) {
                throw new IllegalArgumentException("split: unknown upstream " + way.upstream());
            }
            sum += way.weight();
            bounds[i] = sum;
            matchNames[i] = way.matchHeader().map(TrafficPolicy.MatchHeader::name).orElse(null);
            matchValues[i] = way.matchHeader().map(TrafficPolicy.MatchHeader::value).orElse(null);
        }
        total = sum;
        stickyHeader = policy.sticky().flatMap(TrafficPolicy.Sticky::header).orElse(null);
        stickyCookie = policy.sticky().flatMap(TrafficPolicy.Sticky::cookie).orElse(null);
    }

    /** The split of a route, or {@code null} when the route has one upstream. */
    public static CanarySplit of(TrafficPolicy policy, Map<String, Upstream> upstreams) {
        return policy.split().isEmpty() ? null : new CanarySplit(policy, upstreams);
    }

    /** Every side's upstream, in file order. */
    public List<Upstream> upstreams() {
        return List.of(upstreams);
    }

    public Upstream pick(HttpServletRequest request) {
        for (int i = 0; i < matchNames.length; i++) {
            if (matchNames[i] != null && matchValues[i].equals(request.getHeader(matchNames[i]))) {
                return upstreams[i];
            }
        }
        String key = stickyKey(request);
        long point = key == null ? ThreadLocalRandom.current().nextLong(total) : pointOf(key);
        for (int i = 0; i < bounds.length; i++) {
            if (point < bounds[i]) {
                return upstreams[i];
            }
        }
        return upstreams[upstreams.length - 1];
    }

    private String stickyKey(HttpServletRequest request) {
        if (stickyHeader != null) {
            return request.getHeader(stickyHeader);
        }
        if (stickyCookie != null) {
            Cookie[] cookies = request.getCookies();
            if (cookies != null) {
                for (Cookie cookie : cookies) {
                    if (cookie.getName().equals(stickyCookie)) {
                        return cookie.getValue();
                    }
                }
            }
        }
        return null;
    }

    /**
     * The key's point on [0, total): a 64-bit FNV-1a hash of its UTF-8 bytes, mixed (the
     * finalizer of MurmurHash3) so that similar keys land far apart, scaled to the total.
     */
    long pointOf(String key) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        hash ^= hash >>> 33;
        hash *= 0xff51afd7ed558ccdL;
        hash ^= hash >>> 33;
        hash *= 0xc4ceb9fe1a85ec53L;
        hash ^= hash >>> 33;
        double unit = (hash >>> 11) * 0x1.0p-53;
        return Math.min(total - 1, (long) (unit * total));
    }
}
