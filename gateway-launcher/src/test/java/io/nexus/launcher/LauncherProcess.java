package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The launcher as a JVM of its own (its own heap, exit code and output), on the test's class path. */
final class LauncherProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("Nexus listening on [^:]+:(\\d+) \\(admin [^:]+:(\\d+)\\)");

    final Process process;
    final Path log;

    private LauncherProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code NexusLauncher args} with extra environment variables and JVM options; output goes to {@code dir/launcher.log}. */
    static LauncherProcess start(Path dir, Map<String, String> environment, List<String> jvmOptions, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = dir.resolve("launcher.log");
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), NexusLauncher.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("NEXUS_CONFIG");
        builder.environment().remove("NEXUS_PORT");
        builder.environment().put("NEXUS_LAST_KNOWN_GOOD", dir.resolve("state/last-known-good.conf").toString());
        builder.environment().putAll(environment);
        return new LauncherProcess(builder.start(), log);
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for "Nexus listening on ...": group 1 is the public port, group 2 the admin port. */
    Matcher awaitListening() {
        Matcher[] found = new Matcher[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            assertThat(process.isAlive()).as("launcher exited early: %s", output()).isTrue();
            Matcher matcher = LISTENING.matcher(output());
            if (matcher.find()) {
                found[0] = matcher;
                return true;
            }
            return false;
        });
        return found[0];
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
