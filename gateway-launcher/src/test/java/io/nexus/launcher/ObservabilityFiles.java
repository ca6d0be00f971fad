package io.nexus.launcher;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The shipped monitoring files under {@code observability/} and the Prometheus binaries that
 * check them. CI ({@code .ci/run}) installs Debian's {@code prometheus} package; a machine
 * without it fails these tests with a message that says so instead of skipping them.
 */
final class ObservabilityFiles {

    static final Path ROOT = findRoot();
    static final Path RULES = ROOT.resolve("prometheus");
    static final Path RECORDING_RULES = RULES.resolve("nexus-recording-rules.yml");
    static final Path ALERT_RULES = RULES.resolve("nexus-alert-rules.yml");
    static final Path RULE_TESTS = RULES.resolve("tests/nexus-rules.test.yml");
    static final Path DASHBOARD = ROOT.resolve("grafana/nexus-gateway.json");

    private ObservabilityFiles() {
    }

    private static Path findRoot() {
        // Surefire runs in the module's directory; the files live at the repository's top.
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("observability/prometheus"))) {
                return dir.resolve("observability");
            }
        }
        throw new IllegalStateException("no observability/prometheus above " + Path.of("").toAbsolutePath());
    }

    /** The path of a Prometheus binary on PATH; fails the test when it is missing. */
    static String binary(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return fail(name + " is not on PATH: install Debian's prometheus package (apt-get install prometheus), as .ci/run does");
    }

    /** Runs a command to its end (bounded) and returns its exit code and merged output. */
    static Result run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        // Read on another thread so that a chatty process never blocks on a full pipe.
        StringBuilder output = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                output.append("(output unreadable: ").append(e).append(')');
            }
        });
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            reader.join(TimeUnit.SECONDS.toMillis(5));
            return new Result(-1, "timed out after " + timeoutSeconds + "s: " + String.join(" ", command) + "\n" + output);
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        return new Result(process.exitValue(), output.toString());
    }

    static List<String> command(String... parts) {
        return new ArrayList<>(List.of(parts));
    }

    record Result(int exitCode, String output) {
    }
}
