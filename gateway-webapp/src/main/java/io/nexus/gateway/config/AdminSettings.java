package io.nexus.gateway.config;

import java.util.Optional;

/**
 * The admin listener ({@code nexus.admin}); without a token the admin API refuses every call.
 *
 * @param war how the admin endpoints under {@code /_nexus} of a WAR, which share the public port, are guarded
 */
public record AdminSettings(String host, int port, Optional<String> token, War war) {

    /** With reference.conf's WAR guard. */
    public AdminSettings(String host, int port, Optional<String> token) {
        this(host, port, token, War.GUARDED);
    }

    /**
     * {@code nexus.admin.war}.
     *
     * @param metricsRequireToken {@code /_nexus/metrics} needs the admin bearer token
     * @param remoteProbes {@code /_nexus/healthz} and {@code /readyz} answer clients that are not on loopback
     */
    public record War(boolean metricsRequireToken, boolean remoteProbes) {

        /** reference.conf's defaults. */
        public static final War GUARDED = new War(true, false);
    }

    @Override
    public String toString() {
        // Never print the token itself.
        return "AdminSettings[host=" + host + ", port=" + port + ", token=" + (token.isPresent() ? "<redacted>" : "<none>") + ", war=" + war + "]";
    }
}
