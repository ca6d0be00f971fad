package io.nexus.gateway.auth;

import io.nexus.gateway.exchange.Identity;
import java.util.ListIterator;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/**
 * What the proxy sends upstream about the client's identity. Every {@code X-Auth-*} header a
 * client sent (also written with {@code _} for {@code -}) is dropped on every route, with or without authentication: an upstream shared
 * by several routes can trust them. The authenticated identity's own headers replace them, and
 * the credential is removed unless its provider forwards it. A client's
 * {@code X-Forwarded-Client-Cert} is dropped the same way, on every route.
 */
public final class AuthHeaders {

    /** The prefix of every identity header. */
    public static final String PREFIX = "x-auth-";
    static final String SUBJECT = "X-Auth-Subject";
    static final String PROVIDER = "X-Auth-Provider";
    private static final String XFCC = "x-forwarded-client-cert";

    private AuthHeaders() {
    }

    /** The identity of an authenticated request; its subject is a JWT's {@code sub} or an API key's id. */
    static Identity identity(Authenticator.Authenticated authenticated) {
        String subject = authenticated.headers().get(SUBJECT);
        if (subject == null) {
            subject = authenticated.headers().get(ApiKeyAuthenticator.KEY_ID_HEADER);
        }
        return new Identity(authenticated.headers(), authenticated.credentialHeader(), authenticated.credentialQueryParameter(), subject);
    }

    /**
     * Replaces the client's identity headers on the upstream request with the authenticated
     * ones, if any.
     *
     * @param identity the request's identity, {@code null} when the route has no authentication
     */
    public static void apply(Identity identity, HttpFields.Mutable headers) {
        String credential = identity == null ? null : identity.credentialHeader();
        for (ListIterator<HttpField> fields = headers.listIterator(); fields.hasNext(); ) {
            HttpField field = fields.next();
            String name = field.getLowerCaseName();
            // X_Auth_Subject is X-Auth-Subject to CGI, WSGI and Rack upstreams (HTTP_X_AUTH_SUBJECT).
            // X-Forwarded-Client-Cert only ever comes from the gateway's own handshake (ClientCertificates).
            if (name.replace('_', '-').startsWith(PREFIX) || (credential != null && field.is(credential))
                || name.replace('_', '-').equals(XFCC)) {
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
    public static String forwardedQuery(String query, Identity identity) {
        if (identity == null || identity.credentialQueryParameter() == null) {
            return query;
        }
        return QueryParameters.without(query, identity.credentialQueryParameter());
    }
}
