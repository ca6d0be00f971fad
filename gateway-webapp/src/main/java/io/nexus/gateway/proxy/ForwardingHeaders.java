package io.nexus.gateway.proxy;

import io.nexus.gateway.config.IpLiteral;
import io.nexus.gateway.config.RouteSettings.ClientHeaderPolicy;
import io.nexus.gateway.routing.Route;
import jakarta.servlet.http.HttpServletRequest;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ListIterator;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The headers that say how a request reached the gateway, which the gateway owns: it writes
 * {@code X-Forwarded-For}, {@code -Proto}, {@code -Host} and {@code Forwarded} (RFC 7239) itself,
 * and drops what a client wrote of them and of the headers that upstreams and their frameworks
 * read as routing or method overrides ({@code X-Original-URL}, {@code X-HTTP-Method-Override},
 * {@code X-Real-IP}, ...). Only a trusted proxy (the route's {@code trusted-proxies}, or its rate
 * limiter's) or a route with {@code trust-forwarding-headers} keeps them, and the gateway then
 * appends its own hop. Header names containing {@code _} are dropped too unless the route
 * forwards them; a reserved name written with {@code _} is dropped even then, since CGI, WSGI and
 * Rack upstreams cannot tell {@code X_Real_IP} from {@code X-Real-IP}.
 */
final class ForwardingHeaders {

    /** Lower-case names only the gateway or a trusted proxy writes; {@code x-forwarded-*} as a prefix. */
    private static final Set<String> OWNED = Set.of("forwarded", "x-real-ip", "x-original-url", "x-rewrite-url",
        "x-original-uri", "x-original-method", "x-http-method-override", "x-http-method", "x-method-override");
    private static final String FORWARDED_PREFIX = "x-forwarded-";
    /** What no client ever sends upstream, trusted proxy or not (CONTRACT.md, TLS at the edge). */
    private static final String CLIENT_CERT = "x-forwarded-client-cert";
    /** Identity headers ({@code AuthHeaders.PREFIX}) and the request id: never from a client with an underscore. */
    private static final String IDENTITY_PREFIX = "x-auth-";
    private static final String REQUEST_ID = "x-request-id";

    private ForwardingHeaders() {
    }

    /**
     * Cleans the client's headers (copied to {@code headers} by Jetty) and writes the gateway's
     * forwarding headers.
     */
    static void apply(HttpServletRequest clientRequest, Route route, String requestedHost, HttpFields.Mutable headers) {
        ClientHeaderPolicy policy = route.settings().clientHeaders();
        // Upstreams build absolute links from X-Forwarded-Host: only a host the route allows.
        String host = requestedHost != null && policy.forwardsHost(requestedHost) ? requestedHost : null;
        String peer = clientRequest.getRemoteAddr();
        boolean trusted = route.trustsForwardingHeadersFrom(peer);
        String forwardedFor = null;
        String forwarded = null;
        for (ListIterator<HttpField> fields = headers.listIterator(); fields.hasNext(); ) {
            HttpField field = fields.next();
            String name = field.getLowerCaseName();
            if (name.indexOf('_') >= 0) {
                String canonical = name.replace('_', '-');
                if (!policy.forwardUnderscoreHeaders() || isReserved(canonical)) {
                    fields.remove();
                }
                continue;
            }
            if (name.equals(CLIENT_CERT)) {
                fields.remove();
            } else if (trusted) {
                if (field.getHeader() == HttpHeader.X_FORWARDED_FOR) {
                    forwardedFor = join(forwardedFor, field.getValue());
                    fields.remove();
                } else if (field.getHeader() == HttpHeader.FORWARDED) {
                    forwarded = join(forwarded, field.getValue());
                    fields.remove();
                }
            } else if (isOwned(name)) {
                fields.remove();
            }
        }
        String scheme = clientRequest.getScheme();
        headers.put(HttpHeader.X_FORWARDED_FOR, forwardedFor == null || forwardedFor.isBlank() ? peer : forwardedFor + ", " + peer);
        headers.put(HttpHeader.X_FORWARDED_PROTO, scheme);
        if (host != null) {
            headers.put(HttpHeader.X_FORWARDED_HOST, host);
        } else {
            headers.remove(HttpHeader.X_FORWARDED_HOST);
        }
        // Forwarded says what X-Forwarded-* say: the earlier hops a trusted proxy reported
        // (its Forwarded, else its X-Forwarded-For), then this one.
        StringBuilder value = new StringBuilder(64);
        if (forwarded != null && !forwarded.isBlank()) {
            value.append(forwarded).append(", ");
        } else if (forwardedFor != null) {
            for (String entry : forwardedFor.split(",")) {
                if (!entry.isBlank()) {
                    value.append("for=").append(node(entry.trim())).append(", ");
                }
            }
        }
        value.append("for=").append(node(peer));
        if (host != null) {
            value.append(";host=").append(tokenOrQuoted(host));
        }
        value.append(";proto=").append(scheme);
        headers.put(HttpHeader.FORWARDED, value.toString());
    }

    private static boolean isOwned(String name) {
        return name.startsWith(FORWARDED_PREFIX) || OWNED.contains(name);
    }

    private static boolean isReserved(String name) {
        return isOwned(name) || name.startsWith(IDENTITY_PREFIX) || name.equals(REQUEST_ID);
    }

    private static String join(String first, String next) {
        return first == null ? next : first + ", " + next;
    }

    /** An RFC 7239 node: an IPv4 address as is, an IPv6 address bracketed and quoted, anything else quoted. */
    static String node(String address) {
        InetAddress literal = IpLiteral.parse(address);
        if (literal instanceof Inet6Address) {
            String bare = address.startsWith("[") ? address.substring(1, address.length() - 1) : address;
            return "\"[" + bare.toLowerCase(Locale.ROOT) + "]\"";
        }
        return literal != null ? address : quoted(address);
    }

    private static String tokenOrQuoted(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) {
                return quoted(value);
            }
        }
        return value.isEmpty() ? "\"\"" : value;
    }

    private static String quoted(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.append('"').toString();
    }
}
