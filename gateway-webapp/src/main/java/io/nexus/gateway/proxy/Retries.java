package io.nexus.gateway.proxy;

import io.nexus.gateway.config.RetrySettings;
import io.nexus.gateway.filter.Exchange;
import io.nexus.gateway.routing.Route;
import jakarta.servlet.http.HttpServletRequest;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Optional;
import java.util.Set;

/** When an attempt may be repeated: the route's policy, a safe request, time and budget left. */
final class Retries {

    // Methods whose repetition has the effect of one request (RFC 9110 §9.2.2); POST and PATCH never.
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

    private Retries() {
    }

    static boolean retriesConnectFailures(Route route) {
        return route.settings().retries().map(RetrySettings::retryOnConnectFailure).orElse(false);
    }

    static boolean statusIsRetryable(Route route, int status) {
        Optional<RetrySettings> retries = route.settings().retries();
        return retries.isPresent() && retries.get().retryOn().contains(status);
    }

    /**
     * Whether another attempt may go out: only idempotent methods without a body (a body was
     * streamed upstream and cannot be replayed), attempts and time left, and the budget pays.
     * Takes a token from the budget when it says yes.
     */
    static boolean mayRetry(Exchange exchange, HttpServletRequest request, boolean hasBody) {
        Route route = exchange.route();
        Optional<RetrySettings> retries = route.settings().retries();
        return retries.isPresent()
            && exchange.attempts() < retries.get().attempts()
            && IDEMPOTENT.contains(request.getMethod())
            && !hasBody
            && !exchange.isClientFailed()
            && exchange.remainingMillis() > 0
            && route.retryBudget().tryWithdraw();
    }

    /** A failure to connect: the request certainly never reached the upstream. */
    static boolean isConnectFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof NoRouteToHostException || cause instanceof UnknownHostException
                || cause instanceof UnresolvedAddressException) {
                return true;
            }
            if (cause instanceof SocketTimeoutException && String.valueOf(cause.getMessage()).contains("Connect")) {
                return true;
            }
        }
        return false;
    }
}
