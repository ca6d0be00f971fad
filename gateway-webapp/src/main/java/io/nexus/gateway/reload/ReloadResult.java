package io.nexus.gateway.reload;

import io.nexus.gateway.config.ConfigProblem;
import java.util.List;

/**
 * What a reload or rollback did.
 *
 * @param version the live version afterwards (unchanged when the change was refused)
 * @param problems why the change was refused; empty when it was applied or there was nothing to do
 */
public record ReloadResult(Outcome outcome, ConfigVersion version, List<ConfigProblem> problems) {

    public enum Outcome {
        /** A new version is live. */
        APPLIED,
        /** The content is what is already live: nothing changed. */
        UNCHANGED,
        /** Validation or start-up of the new version failed; the running version stays. */
        REFUSED
    }

    public ReloadResult {
        problems = List.copyOf(problems);
    }
}
