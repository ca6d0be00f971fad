package io.nexus.gateway.exchange;

import java.util.Map;

/**
 * Who a request comes from, as authentication established it: set by the auth middleware, read
 * by rate limiting (the subject) and by the proxy (the headers sent upstream).
 *
 * @param headers identity headers for the upstream ({@code X-Auth-*})
 * @param credentialHeader the header that carried the credential, removed upstream unless forwarded
 * @param credentialQueryParameter the query parameter that carried it, likewise
 * @param subject the authenticated subject (a JWT's {@code sub}, an API key's id), {@code null} when none
 */
public record Identity(Map<String, String> headers, String credentialHeader, String credentialQueryParameter, String subject) {

    public Identity {
        headers = Map.copyOf(headers);
    }
}
