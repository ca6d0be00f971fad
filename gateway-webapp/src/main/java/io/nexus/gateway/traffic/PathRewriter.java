package io.nexus.gateway.traffic;

import io.nexus.gateway.config.CanonicalPath;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.config.TrafficPolicy;
import io.nexus.gateway.exchange.Exchange;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The path a route sends upstream: the matched path without the route's prefix when
 * {@code strip-prefix} is set, then its {@code rewrite}, compiled once.
 */
public final class PathRewriter {

    /** The rewritten upstream path of a request on a route with a rewrite, set by the rewrite middleware. */
    public static final Exchange.Key<String> KEY = Exchange.Key.of("rewritten-path");

    private final Pattern regex;
    private final String replacement;

    PathRewriter(TrafficPolicy.Rewrite rewrite) {
        this.regex = Pattern.compile(rewrite.regex());
        this.replacement = rewrite.replacement();
    }

    /**
     * The request path without the route's prefix when {@code strip-prefix} is set (an emptied
     * path becomes {@code /}).
     */
    public static String stripped(RouteSettings route, String requestPath) {
        if (!route.stripPrefix()) {
            return requestPath;
        }
        String prefix = route.path();
        if (prefix.equals("/")) {
            return requestPath;
        }
        String rest = requestPath.substring(prefix.length());
        return rest.isEmpty() ? "/" : rest;
    }

    /**
     * The rewritten path, the path itself when the regex does not match, or {@code null} when
     * the result would not be canonical (the groups brought a dot segment, an empty segment or
     * an encoded sequence).
     */
    String rewrite(String path) {
        Matcher matcher = regex.matcher(path);
        if (!matcher.find()) {
            return path;
        }
        String rewritten = matcher.replaceFirst(replacement);
        return CanonicalPath.refusal(rewritten) == null ? rewritten : null;
    }
}
