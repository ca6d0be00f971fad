package io.nexus.gateway.error;

/** Every error code of the contract with its HTTP status. */
public enum GatewayError {
    BAD_REQUEST(400, "bad_request"),
    UNAUTHORIZED(401, "unauthorized"),
    FORBIDDEN(403, "forbidden"),
    NO_ROUTE(404, "no_route"),
    METHOD_NOT_ALLOWED(405, "method_not_allowed"),
    /** The client did not send its request in time (it stalled mid-body). */
    REQUEST_TIMEOUT(408, "request_timeout"),
    PAYLOAD_TOO_LARGE(413, "payload_too_large"),
    RATE_LIMITED(429, "rate_limited"),
    INTERNAL(500, "internal"),
    BAD_GATEWAY(502, "bad_gateway"),
    OVERLOADED(503, "overloaded"),
    UPSTREAM_UNAVAILABLE(503, "upstream_unavailable"),
    GATEWAY_TIMEOUT(504, "gateway_timeout");

    private final int status;
    private final String code;

    GatewayError(int status, String code) {
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
