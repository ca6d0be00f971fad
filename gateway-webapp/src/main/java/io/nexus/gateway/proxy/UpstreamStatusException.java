package io.nexus.gateway.proxy;

/** A 5xx answer, recorded as a failure by the circuit breaker. Carries no stack trace: it is a result, not a bug. */
final class UpstreamStatusException extends Exception {

    UpstreamStatusException(int status) {
        super("upstream answered " + status, null, false, false);
    }
}
