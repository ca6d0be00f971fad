package io.nexus.gateway.reload;

import io.nexus.gateway.config.RedactedConfig;
import java.time.Instant;
import java.util.Optional;

/**
 * One applied configuration.
 *
 * @param source {@code file}, {@code api} (reload endpoint), {@code rollback},
 *     {@code last-known-good} (started on the saved copy), {@code default} (the bundled file) or
 *     {@code guard} (rolled back by the config guard)
 * @param restoredFrom for a rollback, the version it restored
 * @param sha256 of {@code text}
 * @param text the file as written, secrets included: used to roll back, never shown
 * @param rendering the effective config with secrets redacted, rendered when first asked for:
 *     what the admin API shows and diffs
 * @param reason for a rollback of the config guard (source {@code guard}): the signal, both values and the threshold
 */
public record ConfigVersion(int id, Instant appliedAt, String source, Optional<Integer> restoredFrom, String sha256, String text,
                            RedactedConfig rendering, Optional<String> reason) {

    /** The text of {@link #rendering()}. */
    public String redacted() {
        return rendering.text();
    }

    @Override
    public String toString() {
        return "ConfigVersion[" + id + " " + source + restoredFrom.map(r -> " of " + r).orElse("") + " " + sha256 + "]";
    }
}
