package io.nexus.gateway.config;

/**
 * Limits on what a client may send before anything is routed ({@code nexus.server}); the body
 * limit stays in {@link ServerSettings#maxRequestBody()}.
 *
 * @param maxRequestHeaderSize bytes of request line plus header fields (Jetty answers 414 for a
 *     longer request line, 431 for longer headers)
 * @param maxHeaderCount header fields per request (400 {@code bad_request} beyond)
 */
public record RequestLimits(int maxRequestHeaderSize, int maxHeaderCount) {
}
