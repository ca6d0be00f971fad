package io.nexus.gateway.ratelimit;

import io.nexus.gateway.config.IpLiteral;
import io.nexus.gateway.config.RateLimitSettings;
import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.exchange.Identity;
import jakarta.servlet.http.HttpServletRequest;

/** What a request is counted under, by a route's {@code key} setting. */
final class RequestKeys {

    /** Longer header values are cut so that one key cannot hold much memory. */
    static final int MAX_KEY_LENGTH = 256;
    static final String FORWARDED_FOR = "X-Forwarded-For";
    /** Keeps failure keys apart from subjects: a subject cannot contain a line break. */
    private static final String FAILURE_PREFIX = "failed-authentication\n";

    private final RateLimitSettings.Key kind;
    private final String header;
    private final TrustedProxies trustedProxies;
    private final int ipv6PrefixLength;

    RequestKeys(RateLimitSettings settings) {
        this.kind = settings.key();
        this.header = settings.header().orElse(null);
        this.trustedProxies = TrustedProxies.of(settings.trustedProxies());
        this.ipv6PrefixLength = settings.ipv6PrefixLength();
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

    /** An IPv4 address as is; an IPv6 address as its network of {@code ipv6-prefix-length} bits. */
    String clientKey(String address) {
        if (address.indexOf(':') < 0) {
            return address;
        }
        java.net.InetAddress literal = IpLiteral.parse(address);
        if (!(literal instanceof java.net.Inet6Address)) {
            return literal == null ? bounded(address) : literal.getHostAddress();
        }
        byte[] bytes = literal.getAddress();
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] &= (byte) (0xFF << (8 - Math.clamp(ipv6PrefixLength - i * 8L, 0, 8)));
        }
        try {
            return java.net.InetAddress.getByAddress(bytes).getHostAddress() + "/" + ipv6PrefixLength;
        } catch (java.net.UnknownHostException e) {
            return bounded(address); // 16 bytes are always an address
        }
    }

    /**
     * Where a failed authentication counts on a route keyed on the subject: the client's address
     * (behind the limit's trusted proxies, IPv6 by prefix), apart from every subject's key.
     */
    String failureKeyOf(HttpServletRequest request) {
        String address = trustedProxies.isEmpty() ? request.getRemoteAddr()
            : trustedProxies.clientAddress(request.getRemoteAddr(), request.getHeaders(FORWARDED_FOR));
        return FAILURE_PREFIX + clientKey(address);
    }

    String keyOf(HttpServletRequest request) {
        return switch (kind) {
            case CLIENT_IP -> clientKey(trustedProxies.isEmpty() ? request.getRemoteAddr()
                : trustedProxies.clientAddress(request.getRemoteAddr(), request.getHeaders(FORWARDED_FOR)));
            // Requests without the header share the empty key: one budget for all of them.
            case HEADER -> bounded(request.getHeader(header));
            // Set by the auth middleware, which runs first for subject keys (never a client's header).
            case SUBJECT -> bounded(subject(request));
            case ROUTE -> "";
        };
    }
}
