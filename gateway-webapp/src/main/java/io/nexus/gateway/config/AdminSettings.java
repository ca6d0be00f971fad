package io.nexus.gateway.config;

import java.util.Optional;

/** The admin listener ({@code nexus.admin}); without a token the admin API refuses every call. */
public record AdminSettings(String host, int port, Optional<String> token) {

    @Override
    public String toString() {
        // Never print the token itself.
        return "AdminSettings[host=" + host + ", port=" + port + ", token=" + (token.isPresent() ? "<redacted>" : "<none>") + "]";
    }
}
