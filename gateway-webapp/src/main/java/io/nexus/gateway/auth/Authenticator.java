package io.nexus.gateway.auth;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;

/**
 * Decides who a request comes from. Implementations are immutable or publish their keys
 * through a volatile field: {@link #authenticate} runs concurrently on request threads and
 * never blocks.
 */
interface Authenticator {

    /** The identity of the request, or why it has none. */
    Result authenticate(HttpServletRequest request);

    /** The outcome of one authentication. */
    sealed interface Result {
    }

    /**
     * A valid identity.
     *
     * @param headers identity headers for the upstream ({@code X-Auth-*})
     * @param credentialHeader the header that carried the credential, removed upstream unless forwarded
     * @param credentialQueryParameter the query parameter that carried it, likewise
     */
    record Authenticated(Map<String, String> headers, String credentialHeader, String credentialQueryParameter) implements Result {

        public Authenticated {
            headers = Map.copyOf(headers);
        }
    }

    /**
     * No identity (401, {@code missing} or bad credentials) or one the route does not allow (403).
     *
     * @param cause the contract's cause ({@code missing_credentials}, {@code invalid_token}, ...)
     * @param challenge the {@code WWW-Authenticate} value
     */
    record Rejected(boolean forbidden, String cause, String message, String challenge) implements Result {
    }
}
