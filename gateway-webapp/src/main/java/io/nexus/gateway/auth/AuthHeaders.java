package io.nexus.gateway.auth;

import jakarta.servlet.http.HttpServletRequest;
import java.util.ListIterator;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/**
 * What the proxy sends upstream about the client's identity. Every {@code X-Auth-*} header a
 * client sent is dropped on every route, with or without authentication: an upstream shared
 * by several routes can trust them. The authenticated identity's own headers replace them, and
 * the credential is removed unless its provider forwards it.
 */
public final class AuthHeaders {

    /** The prefix of every identity header. */
    public static final String PREFIX = "x-auth-";
    static final String SUBJECT = "X-Auth-Subject";
    static final String PROVIDER = "X-Auth-Provider";
    private static final String ATTRIBUTE = AuthHeaders.class.getName();

    private AuthHeaders() {
    }

    /**
     * The authenticated subject of a request (a JWT's {@code sub}, an API key's id), or
     * {@code null} before authentication ran or when the route has none: never what the client sent.
     */
    public static String subject(HttpServletRequest request) {
        if (!(request.getAttribute(ATTRIBUTE) instanceof Authenticator.Authenticated identity)) {
            return null;
        }
        String subject = identity.headers().get(SUBJECT);
        return subject != null ? subject : identity.headers().get(ApiKeyAuthenticator.KEY_ID_HEADER);
    }

    static void attach(HttpServletRequest request, Authenticator.Authenticated identity) {
        request.setAttribute(ATTRIBUTE, identity);
    }

    /** Replaces the client's identity headers with the authenticated ones, if any, on the upstream request. */
    public static void apply(HttpServletRequest clientRequest, HttpFields.Mutable headers) {
        Authenticator.Authenticated identity = (Authenticator.Authenticated) clientRequest.getAttribute(ATTRIBUTE);
        String credential = identity == null ? null : identity.credentialHeader();
        for (ListIterator<HttpField> fields = headers.listIterator(); fields.hasNext(); ) {
            HttpField field = fields.next();
            String name = field.getLowerCaseName();
            if (name.startsWith(PREFIX) || (credential != null && field.is(credential))) {
                fields.remove();
            }
        }
        if (identity != null) {
            for (Map.Entry<String, String> header : identity.headers().entrySet()) {
                headers.put(header.getKey(), header.getValue());
            }
        }
    }

    /** The query to forward: the client's, without an API key that arrived in it. */
    public static String forwardedQuery(HttpServletRequest clientRequest) {
        String query = clientRequest.getQueryString();
        Authenticator.Authenticated identity = (Authenticator.Authenticated) clientRequest.getAttribute(ATTRIBUTE);
        if (identity == null || identity.credentialQueryParameter() == null) {
            return query;
        }
        return QueryParameters.without(query, identity.credentialQueryParameter());
    }
}
