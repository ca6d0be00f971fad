package io.nexus.gateway.war;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Jetty base of a stock jetty-home, changed only through the steps of docs/deploy-war.md:
 * {@code start.jar --add-modules}, files in {@code start.d/} and {@code webapps/}. Every
 * {@code start.jar} runs with the JVM of the test, a JDK 21 or newer.
 */
final class JettyBase {

    private final Path home;
    private final Path dir;
    private final Path setupLog;

    JettyBase(Path home, Path dir, Path setupLog) {
        this.home = home;
        this.dir = dir;
        this.setupLog = setupLog;
    }

    Path dir() {
        return dir;
    }

    /**
     * {@code java -jar $JETTY_HOME/start.jar jetty.home=$JETTY_HOME jetty.base=$JETTY_BASE --add-modules=...}.
     */
    void addModules(String... modules) throws IOException, InterruptedException {
        addModules(List.of(modules));
    }

    /**
     * {@code start.jar ... --approve-all-licenses --add-modules=... name=value...}: the properties
     * choose what the modules fetch (such as {@code logback.version}).
     */
    void addModules(List<String> modules, String... properties) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        List<String> arguments = new ArrayList<>(List.of("--approve-all-licenses", "--add-modules=" + String.join(",", modules)));
        arguments.addAll(List.of(properties));
        Process process = new ProcessBuilder(startCommand(arguments.toArray(String[]::new)))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(setupLog.toFile()))
            .start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("start.jar --add-modules did not finish in 120s; see " + setupLog);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("start.jar --add-modules=" + String.join(",", modules) + " exited with "
                + process.exitValue() + ":\n" + Files.readString(setupLog));
        }
    }

    /** Removes a file of the base, such as the {@code start.d/threadpool.ini} that another threadpool replaces. */
    void delete(String file) throws IOException {
        Files.delete(dir.resolve(file));
    }

    /** Appends a line to a file of the base, creating it if needed. */
    void appendLine(String file, String line) throws IOException {
        Path path = dir.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Copies {@code file} into a directory of the base, keeping its name. */
    void copyInto(String directory, Path file) throws IOException {
        Path target = dir.resolve(directory);
        Files.createDirectories(target);
        Files.copy(file, target.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Copies the WAR as {@code webapps/root.war}: the deployer maps {@code root} to the context path {@code /}. */
    void deployAsRoot(Path war) throws IOException {
        Files.copy(war, dir.resolve("webapps/root.war"), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Starts the server in its own JVM: {@code start.jar} without {@code --exec} runs Jetty in the
     * JVM it was started with, so the process is the server.
     */
    Process start(Map<String, String> environment, Path log, String... properties) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(startCommand(properties))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
        // The test decides where the config comes from, not the environment of the build.
        builder.environment().remove("NEXUS_CONFIG");
        builder.environment().remove("NEXUS_ADMIN_TOKEN");
        builder.environment().putAll(environment);
        return builder.start();
    }

    private List<String> startCommand(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.add("-jar");
        command.add(home.resolve("start.jar").toString());
        command.add("jetty.home=" + home);
        command.add("jetty.base=" + dir);
        command.addAll(List.of(arguments));
        return command;
    }

    /** The java of this JVM: the build's JDK, never whatever {@code java} is first on the PATH. */
    private static String java() {
        return ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
