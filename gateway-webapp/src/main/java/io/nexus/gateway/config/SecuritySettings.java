package io.nexus.gateway.config;

import java.util.Map;

/**
 * The security-related settings outside the routes: request limits and TLS (from
 * {@code nexus.server}) and the authentication providers of {@code nexus.auth} by name.
 */
public record SecuritySettings(RequestLimits limits, TlsSettings tls, Map<String, AuthSettings> auth) {

    public SecuritySettings {
        auth = Map.copyOf(auth);
    }

    public static SecuritySettings defaults() {
        return new SecuritySettings(RequestLimits.defaults(), TlsSettings.disabled(), Map.of());
    }
}
