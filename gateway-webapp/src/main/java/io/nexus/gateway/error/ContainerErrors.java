package io.nexus.gateway.error;

/**
 * Errors the server answers before any filter of the gateway runs (a request its parser refused,
 * a URI or header over the limits, an ambiguous path), in the contract's JSON: the launcher's
 * server error handler writes them with this. In a WAR the installation's server answers them
 * (docs/deploy-war.md).
 */
public final class ContainerErrors {

    private ContainerErrors() {
    }

    /** The contract's error body; {@code message} is the container's fixed reason, never request text. */
    public static byte[] body(int status, String message, String requestId) {
        return ErrorResponses.body(status, code(status), cause(status), message == null || message.isBlank() ? "bad request" : message,
            requestId);
    }

    static String code(int status) {
        return switch (status) {
            case 400 -> GatewayError.BAD_REQUEST.code();
            case 413 -> GatewayError.PAYLOAD_TOO_LARGE.code();
            case 414 -> "uri_too_long";
            case 431 -> "headers_too_large";
            default -> status < 500 ? GatewayError.BAD_REQUEST.code() : GatewayError.INTERNAL.code();
        };
    }

    static String cause(int status) {
        return switch (status) {
            case 413 -> "request_body_too_large";
            case 414 -> "uri_too_long";
            case 431 -> "request_headers_too_large";
            default -> status < 500 ? "malformed_request" : "internal_error";
        };
    }
}
