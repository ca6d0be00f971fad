package io.nexus.gateway.proxy;

import io.nexus.gateway.error.GatewayError;
import io.nexus.gateway.exchange.Exchange;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.http.HttpException;

/**
 * Why an exchange with an upstream failed, classified once: who caused it, what the client is
 * answered, and the contract's {@code cause}. Only failures the upstream caused feed its signals
 * (breaker, passive ejection, target health, retries); a client that left or stalled, and the
 * gateway's own refusals, say nothing about the upstream ({@code docs/resilience.md} has the table).
 *
 * @param error what the client is answered when it is still there
 */
record ExchangeFailure(Blame blame, GatewayError error, String cause, String message) {

    /** Who caused a failed exchange. */
    enum Blame {
        /** The client left, stalled or sent what the gateway refuses: recorded, never held against the upstream. */
        CLIENT,
        /** The upstream refused, reset, timed out or answered garbage: feeds the breaker and passive health. */
        UPSTREAM,
        /** The gateway refused the attempt itself (a full queue, a stopped client): feeds nothing. */
        GATEWAY
    }

    static final String CLIENT_CLOSED = Exchange.CLIENT_CLOSED;
    static final String CLIENT_TIMEOUT = "client_timeout";
    static final String UPSTREAM_RESET = "upstream_reset";

    /** Whether the client is gone (or stalled), so that the request is recorded as 499 with this cause. */
    boolean clientGone() {
        return blame == Blame.CLIENT && error != GatewayError.PAYLOAD_TOO_LARGE;
    }

    /**
     * Classifies a failed attempt.
     *
     * @param clientFailed whether the client's side failed first (its body could not be read, or
     *     the response could not be written to it); then the upstream is not to blame
     */
    static ExchangeFailure classify(Throwable failure, boolean clientFailed) {
        if (find(failure, GatewayProxyServlet.BodyTooLargeException.class) != null) {
            return new ExchangeFailure(Blame.CLIENT, GatewayError.PAYLOAD_TOO_LARGE, "request_body_too_large",
                find(failure, GatewayProxyServlet.BodyTooLargeException.class).getMessage());
        }
        if (clientFailed) {
            HttpException slow = find(failure, HttpException.class);
            // A timeout, or the container's minimum request data rate (a 408 from Jetty).
            return find(failure, TimeoutException.class) != null || (slow != null && slow.getCode() == 408)
                ? new ExchangeFailure(Blame.CLIENT, GatewayError.REQUEST_TIMEOUT, CLIENT_TIMEOUT, "the client did not send its request in time")
                : new ExchangeFailure(Blame.CLIENT, GatewayError.BAD_REQUEST, CLIENT_CLOSED, "the client closed the request");
        }
        if (isConnectFailure(failure)) {
            return connectTimeout(failure)
                ? new ExchangeFailure(Blame.UPSTREAM, GatewayError.BAD_GATEWAY, "connect_timeout", "connecting to the upstream timed out")
                : new ExchangeFailure(Blame.UPSTREAM, GatewayError.BAD_GATEWAY, "connect_refused", "the upstream refused the connection");
        }
        if (find(failure, TimeoutException.class) != null) {
            return new ExchangeFailure(Blame.UPSTREAM, GatewayError.GATEWAY_TIMEOUT, "response_timeout", "upstream did not answer in time");
        }
        RejectedExecutionException rejected = find(failure, RejectedExecutionException.class);
        if (rejected != null) {
            // Jetty's client refuses a request its destination's queue has no room for.
            return new ExchangeFailure(Blame.GATEWAY, GatewayError.OVERLOADED, "upstream_queue_full",
                "too many requests wait for a connection to the upstream");
        }
        HttpException malformed = find(failure, HttpException.class);
        if (malformed != null || find(failure, HttpResponseException.class) != null) {
            return tooLarge(malformed)
                ? new ExchangeFailure(Blame.UPSTREAM, GatewayError.BAD_GATEWAY, "upstream_response_too_large",
                    "the upstream's response header is over the limit")
                : new ExchangeFailure(Blame.UPSTREAM, GatewayError.BAD_GATEWAY, "upstream_protocol_error",
                    "the upstream's response was malformed");
        }
        ExchangeFailure tls = UpstreamTlsFailure.classify(failure);
        if (tls != null) {
            return tls;
        }
        if (find(failure, IOException.class) != null) {
            return new ExchangeFailure(Blame.UPSTREAM, GatewayError.BAD_GATEWAY, UPSTREAM_RESET,
                "the upstream closed the connection before its response was complete");
        }
        return new ExchangeFailure(Blame.GATEWAY, GatewayError.BAD_GATEWAY, "proxy_failure", "the request could not be sent upstream");
    }

    /** A failure to connect: the request certainly never reached the upstream. */
    static boolean isConnectFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof NoRouteToHostException || cause instanceof UnknownHostException
                || cause instanceof UnresolvedAddressException || connectTimeout(cause)) {
                return true;
            }
        }
        return false;
    }

    private static boolean connectTimeout(Throwable failure) {
        SocketTimeoutException timeout = find(failure, SocketTimeoutException.class);
        return timeout != null && String.valueOf(timeout.getMessage()).toLowerCase(Locale.ROOT).contains("connect");
    }

    private static boolean tooLarge(HttpException malformed) {
        return malformed != null && (malformed.getCode() == 431 || malformed.getCode() == 413
            || String.valueOf(malformed.getReason()).toLowerCase(Locale.ROOT).contains("too large"));
    }

    private static <T> T find(Throwable failure, Class<T> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return null;
    }
}
