package io.nexus.gateway.reload;

import io.nexus.gateway.config.ConfigProblem;
import java.util.List;

/**
 * What a proposed config would do, found without applying it: its problems, or the unified diff
 * of the redacted live config against the redacted proposal.
 */
public record ConfigValidation(List<ConfigProblem> problems, String diff) {

    public boolean valid() {
        return problems.isEmpty();
    }
}
