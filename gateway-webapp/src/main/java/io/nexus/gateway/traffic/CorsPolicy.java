package io.nexus.gateway.traffic;

import io.nexus.gateway.config.TrafficPolicy;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * A route's CORS rules (Fetch standard, "CORS protocol"), compiled once: origins are compared
 * whole and exactly (a set lookup, never a prefix or substring), so
 * {@code https://app.example.com.evil.net} is not {@code https://app.example.com}.
 */
final class CorsPolicy {

    static final String ORIGIN = "Origin";
    static final String REQUEST_METHOD = "Access-Control-Request-Method";
    static final String REQUEST_HEADERS = "Access-Control-Request-Headers";
    static final String ALLOW_ORIGIN = "Access-Control-Allow-Origin";
    static final String ALLOW_CREDENTIALS = "Access-Control-Allow-Credentials";
    static final String ALLOW_METHODS = "Access-Control-Allow-Methods";
    static final String ALLOW_HEADERS = "Access-Control-Allow-Headers";
    static final String EXPOSE_HEADERS = "Access-Control-Expose-Headers";
    static final String MAX_AGE = "Access-Control-Max-Age";
    static final String VARY = "Vary";
    /** What an upstream may say about CORS on a route whose CORS the gateway answers: nothing. */
    private static final String[] UPSTREAM_CORS_HEADERS = {ALLOW_ORIGIN, ALLOW_CREDENTIALS, ALLOW_METHODS, ALLOW_HEADERS, EXPOSE_HEADERS, MAX_AGE};

    private final Set<String> origins;
    private final boolean anyOrigin;
    private final Set<String> methods;
    private final Set<String> headers;
    private final boolean anyHeader;
    private final boolean credentials;
    private final String allowMethods;
    private final String allowHeaders;
    private final String exposeHeaders;
    private final String maxAge;

    CorsPolicy(TrafficPolicy.Cors cors) {
        this.origins = Set.copyOf(cors.allowedOrigins());
        this.anyOrigin = cors.anyOrigin();
        this.methods = Set.copyOf(cors.allowedMethods());
        this.headers = new HashSet<>(cors.allowedHeaders());
        this.anyHeader = headers.contains("*");
        this.credentials = cors.allowCredentials();
        this.allowMethods = String.join(", ", cors.allowedMethods());
        this.allowHeaders = cors.allowedHeaders().isEmpty() || anyHeader ? null : String.join(", ", cors.allowedHeaders());
        this.exposeHeaders = cors.exposedHeaders().isEmpty() ? null : String.join(", ", cors.exposedHeaders());
        this.maxAge = Long.toString(cors.maxAge().toSeconds());
    }

    /** Whether a request's {@code Origin} is allowed: exactly one of the listed ones, or any with {@code *}. */
    boolean allows(String origin) {
        return anyOrigin || origins.contains(origin.toLowerCase(Locale.ROOT));
    }

    /** A preflight: {@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}. */
    static boolean isPreflight(HttpServletRequest request) {
        return "OPTIONS".equals(request.getMethod()) && request.getHeader(REQUEST_METHOD) != null;
    }

    boolean allowsMethod(String method) {
        return methods.contains(method);
    }

    /** The first header a preflight asks for that the policy does not allow, or {@code null}. */
    String refusedHeader(String requested) {
        if (requested == null || anyHeader) {
            return null;
        }
        for (String name : requested.split(",")) {
            String trimmed = name.trim().toLowerCase(Locale.ROOT);
            if (!trimmed.isEmpty() && !headers.contains(trimmed)) {
                return trimmed;
            }
        }
        return null;
    }

    /** The answer's headers to an allowed preflight. */
    void preflightHeaders(HttpServletResponse response, String origin, String requestedHeaders) {
        allowOrigin(response, origin);
        response.setHeader(ALLOW_METHODS, allowMethods);
        String allowed = anyHeader ? requestedHeaders : allowHeaders;
        if (allowed != null && !allowed.isBlank()) {
            response.setHeader(ALLOW_HEADERS, allowed);
        }
        response.setHeader(MAX_AGE, maxAge);
        // Replaces the middleware's "Vary: Origin": one field for the three a preflight's answer depends on.
        response.setHeader(VARY, "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    }

    /** The headers of an answer to an allowed request (simple or actual); {@code origin} may be {@code null}. */
    void responseHeaders(HttpServletResponse response, String origin) {
        if (origin != null) {
            allowOrigin(response, origin);
            if (exposeHeaders != null) {
                response.setHeader(EXPOSE_HEADERS, exposeHeaders);
            }
        }
    }

    /**
     * After the upstream's headers were copied: the gateway answers CORS on this route, so the
     * upstream's own CORS headers go, the gateway's are set again, and {@code Vary} keeps
     * {@code Origin} next to what the upstream varies on.
     */
    void reassert(HttpServletResponse response, String origin) {
        for (String name : UPSTREAM_CORS_HEADERS) {
            if (response.containsHeader(name)) {
                response.setHeader(name, null);
            }
        }
        responseHeaders(response, origin);
        varyOnOrigin(response);
    }

    /**
     * {@code Vary: Origin} on every answer of the route, with or without an {@code Origin}: a
     * cache must not serve one origin's answer to another, nor one without CORS headers to a
     * browser that needs them.
     */
    static void varyOnOrigin(HttpServletResponse response) {
        for (String vary : response.getHeaders(VARY)) {
            for (String token : vary.split(",")) {
                String trimmed = token.trim();
                if (trimmed.equalsIgnoreCase("Origin") || trimmed.equals("*")) {
                    return;
                }
            }
        }
        response.addHeader(VARY, "Origin");
    }

    private void allowOrigin(HttpServletResponse response, String origin) {
        // "*" only without credentials (validation refuses the pair); with credentials, the
        // origin itself, as the Fetch standard requires.
        response.setHeader(ALLOW_ORIGIN, anyOrigin && !credentials ? "*" : origin);
        if (credentials) {
            response.setHeader(ALLOW_CREDENTIALS, "true");
        }
    }
}
