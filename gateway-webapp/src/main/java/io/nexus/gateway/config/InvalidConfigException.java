package io.nexus.gateway.config;

import java.util.List;
import java.util.stream.Collectors;

/** A configuration that broke at least one rule; it never takes effect. */
public final class InvalidConfigException extends Exception {

    private final List<ConfigProblem> problems;

    public InvalidConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("; ")));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an invalid config needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, in file order as far as the checks go. */
    public List<ConfigProblem> problems() {
        return problems;
    }
}
