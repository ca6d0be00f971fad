package io.nexus.gateway.config;

import java.time.Duration;

/**
 * A route's WebSocket proxying (docs/protocols.md).
 *
 * @param enabled {@code websocket}: an {@code Upgrade: websocket} request is proxied; otherwise
 *     the upgrade is refused ({@code Upgrade} is dropped as a hop-by-hop field)
 * @param idleTimeout a socket with no frame either way for this long is closed (1001 both ways)
 * @param maxMessageSize the largest message, text or binary, in bytes; a larger one closes the
 *     socket with 1009 (message too big)
 */
public record WebSocketSettings(boolean enabled, Duration idleTimeout, long maxMessageSize) {

    /** reference.conf's defaults: a route that does not proxy WebSocket. */
    public static final WebSocketSettings OFF = new WebSocketSettings(false, Duration.ofMinutes(5), 1024 * 1024);
}
