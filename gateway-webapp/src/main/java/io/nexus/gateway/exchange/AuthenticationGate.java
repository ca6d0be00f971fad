package io.nexus.gateway.exchange;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Told by the auth middleware how a request's authentication ended, before the request goes on
 * or the 401 goes out: a rate limit keyed on the subject counts an authenticated request under
 * its subject and a failed one under the client's address, so that guessing credentials is
 * limited too. Set on the exchange by a middleware that runs before authentication.
 */
public interface AuthenticationGate {

    /** The gate of a request, if a middleware before the auth middleware set one. */
    Exchange.Key<AuthenticationGate> KEY = Exchange.Key.of("authentication-gate");

    /**
     * @return whether the request may go on; when not, the gate has answered it
     */
    boolean onAuthenticated(HttpServletRequest request, HttpServletResponse response, String subject) throws IOException;

    /**
     * @return whether the auth middleware answers with its 401 or 403; when not, the gate has answered it
     */
    boolean onFailed(HttpServletRequest request, HttpServletResponse response) throws IOException;
}
