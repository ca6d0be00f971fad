package io.nexus.gateway.filter;

import io.nexus.gateway.exchange.Exchange;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Gives every request an id: the client's {@code X-Request-Id} when it is a plausible id, a new
 * random UUID otherwise. The id goes back on the response (set here, before the proxy commits
 * it) and upstream with the proxied request.
 */
public final class RequestIdFilter extends HttpFilter {

    public static final String HEADER = Exchange.REQUEST_ID_HEADER;
    private static final int MAX_LENGTH = 128;

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain) throws IOException, ServletException {
        String id = request.getHeader(HEADER);
        if (!isValid(id)) {
            id = newId();
        }
        Exchange exchange = Exchange.of(request);
        if (exchange != null) {
            exchange.requestId(id);
        }
        response.setHeader(HEADER, id);
        chain.doFilter(request, response);
    }

    /** 1-128 characters of letters, digits and {@code - _ . : + / =}: no spaces, no CR/LF. */
    static boolean isValid(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '/' || c == '=';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * A new request id, for every place that answers a request without a valid one: a version-4
     * UUID from the thread's own random source (no lock, unlike SecureRandom).
     */
    public static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }
}
