package io.nexus.gateway.ratelimit;

import io.nexus.gateway.config.RateLimitSettings;
import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.exchange.Identity;
import jakarta.servlet.http.HttpServletRequest;

/** What a request is counted under, by a route's {@code key} setting. */
final class RequestKeys {

    /** Longer header values are cut so that one key cannot hold much memory. */
    static final int MAX_KEY_LENGTH = 256;
    static final String FORWARDED_FOR = "X-Forwarded-For";

    private final RateLimitSettings.Key kind;
    private final String header;
    private final TrustedProxies trustedProxies;

    RequestKeys(RateLimitSettings settings) {
        this.kind = settings.key();
        this.header = settings.header().orElse(null);
        this.trustedProxies = TrustedProxies.of(settings.trustedProxies());
    }

    private static String bounded(String value) {
        return value == null ? "" : value.length() > MAX_KEY_LENGTH ? value.substring(0, MAX_KEY_LENGTH) : value;
    }

    /** The authenticated subject, {@code null} without one. */
    private static String subject(HttpServletRequest request) {
        Exchange exchange = Exchange.of(request);
        Identity identity = exchange == null ? null : exchange.identity();
        return identity == null ? null : identity.subject();
    }

    String keyOf(HttpServletRequest request) {
        return switch (kind) {
            case CLIENT_IP -> trustedProxies.isEmpty() ? request.getRemoteAddr()
                : trustedProxies.clientAddress(request.getRemoteAddr(), request.getHeaders(FORWARDED_FOR));
            // Requests without the header share the empty key: one budget for all of them.
            case HEADER -> bounded(request.getHeader(header));
            // Set by the auth middleware, which runs first for subject keys (never a client's header).
            case SUBJECT -> bounded(subject(request));
            case ROUTE -> "";
        };
    }
}
