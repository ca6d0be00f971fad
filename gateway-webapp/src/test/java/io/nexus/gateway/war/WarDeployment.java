package io.nexus.gateway.war;

import io.nexus.gateway.testing.RecordingUpstream;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Deploys {@code nexus-gateway.war} the way docs/deploy-war.md tells an operator to: a fresh base
 * of the stock jetty-home, the WAR as {@code webapps/root.war}, the config file named by
 * {@code -Dnexus.config} in {@code start.d/nexus.ini} (or by {@code NEXUS_CONFIG}), and Jetty in
 * its own JVM. Around it: a {@link RecordingUpstream} and a Jetty {@link HttpClient}, all on
 * ephemeral ports of 127.0.0.1, stopped in reverse order. The Jetty log is printed when a test
 * fails; it stays under {@code target/war-it/<test class>/} too.
 */
final class WarDeployment implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback, TestWatcher {

    /** The admin token of every config written by the tests. */
    static final String ADMIN_TOKEN = "0123456789abcdef0123";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    /** Longer than the stop timeout of any base a test makes: a kill means Jetty hung. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(45);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** {@code Started oejs.ServerConnector@1a2b3c{HTTP/1.1, (http/1.1)}{127.0.0.1:41234}} */
    private static final Pattern CONNECTOR_STARTED = Pattern.compile("Started oejs\\.ServerConnector@\\p{XDigit}+\\{[^}]*}\\{([^}]+):(\\d+)}");
    private static final String SERVER_STARTED = "Started oejs.Server@";

    /** A step of the base set-up after {@code --add-modules=http,ee10-deploy}. */
    @FunctionalInterface
    interface BaseStep {
        void applyTo(JettyBase base) throws Exception;
    }

    private final Function<URI, String> config;
    private final BaseStep customization;
    private final boolean configFromEnvironment;
    private final List<Path> webInfLib;

    private RecordingUpstream upstream;
    private HttpClient client;
    private Process jetty;
    private Thread orphanGuard;
    private Path log;
    private Path configFile;
    private URI uri;
    private boolean logPrinted;

    private WarDeployment(Function<URI, String> config, BaseStep customization, boolean configFromEnvironment, List<Path> webInfLib) {
        this.config = config;
        this.customization = customization;
        this.configFromEnvironment = configFromEnvironment;
        this.webInfLib = List.copyOf(webInfLib);
    }

    /**
     * The WAR in a base made with {@code --add-modules=http,ee10-deploy} only.
     *
     * @param config the HOCON of the gateway, given the recording upstream's base URI
     */
    static WarDeployment inStockBase(Function<URI, String> config) {
        return new WarDeployment(config, base -> { }, false, List.of());
    }

    /** The same base with one more step of the docs applied before the WAR is deployed. */
    WarDeployment customizedBy(BaseStep step) {
        return new WarDeployment(config, step, configFromEnvironment, webInfLib);
    }

    /** Names the config file with the {@code NEXUS_CONFIG} environment variable instead of {@code start.d/nexus.ini}. */
    WarDeployment configFromEnvironment() {
        return new WarDeployment(config, customization, true, webInfLib);
    }

    /**
     * Adds jars to the WAR's {@code WEB-INF/lib} before it is deployed, as docs/plugins.md has
     * operators do with {@code jar uf nexus-gateway.war WEB-INF/lib/plugin.jar}.
     */
    WarDeployment withWebInfLib(Path... jars) {
        return new WarDeployment(config, customization, configFromEnvironment, List.of(jars));
    }

    /** The config file the webapp reads and watches. */
    Path configFile() {
        return configFile;
    }

    RecordingUpstream upstream() {
        return upstream;
    }

    /** A request to the gateway, with a timeout: {@code path} is relative to the root context. */
    Request request(String path) {
        return client.newRequest(uri.resolve(path)).timeout(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@code host:port} the server listens on, as clients write it in {@code Host}. */
    String authority() {
        return uri.getAuthority();
    }

    /** The port the server listens on, for raw sockets. */
    int port() {
        return uri.getPort();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        try {
            start(context.getRequiredTestClass().getSimpleName());
        } catch (Throwable failure) {
            printLog("start-up failed");
            try {
                stop();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
            throw failure;
        }
    }

    private void start(String name) throws Exception {
        Path work = Path.of(System.getProperty("nexus.it.work", "target/war-it")).toAbsolutePath().resolve(name);
        deleteRecursively(work);
        Files.createDirectories(work);
        log = work.resolve("jetty.log");

        upstream = RecordingUpstream.start("war-it");

        configFile = work.resolve("gateway.conf");
        Files.writeString(configFile, config.apply(upstream.uri()));
        Path lastKnownGood = work.resolve("last-known-good.conf");

        JettyBase base = new JettyBase(requiredPath("nexus.it.jetty-home"), work.resolve("base"), work.resolve("setup.log"));
        base.addModules("http", "ee10-deploy");
        customization.applyTo(base);
        base.deployAsRoot(webInfLib.isEmpty() ? requiredPath("nexus.it.war") : warWith(requiredPath("nexus.it.war"), work));
        Map<String, String> environment = Map.of();
        if (configFromEnvironment) {
            environment = Map.of("NEXUS_CONFIG", configFile.toString(), "NEXUS_LAST_KNOWN_GOOD", lastKnownGood.toString());
        } else {
            // start.jar sets -D lines of start.d/*.ini as system properties of the server JVM.
            base.appendLine("start.d/nexus.ini", "-Dnexus.config=" + configFile);
            base.appendLine("start.d/nexus.ini", "-Dnexus.last-known-good=" + lastKnownGood);
        }
        jetty = base.start(environment, log, "jetty.http.host=127.0.0.1", "jetty.http.port=0");
        // Should the test JVM be ended before afterAll (a fork timeout), Jetty must not outlive it.
        Process started = jetty;
        orphanGuard = new Thread(() -> {
            started.descendants().forEach(ProcessHandle::destroyForcibly);
            started.destroyForcibly();
        }, "war-it-orphan-guard");
        Runtime.getRuntime().addShutdownHook(orphanGuard);

        await("Jetty started (log: " + log + ")").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100))
            .until(() -> {
                if (!jetty.isAlive()) {
                    throw new IllegalStateException("Jetty exited with " + jetty.exitValue() + " before it started");
                }
                return log().contains(SERVER_STARTED);
            });
        Matcher connector = CONNECTOR_STARTED.matcher(log());
        if (!connector.find()) {
            throw new IllegalStateException("no started connector in the Jetty log");
        }
        uri = URI.create("http://" + connector.group(1) + ":" + connector.group(2) + "/");

        QueuedThreadPool clientThreads = new QueuedThreadPool();
        clientThreads.setName("war-it-client");
        client = new HttpClient();
        client.setExecutor(clientThreads);
        client.setConnectTimeout(REQUEST_TIMEOUT.toMillis());
        client.start();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        upstream.clear();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        printLog(context.getDisplayName() + " failed");
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop();
    }

    /**
     * Stops Jetty as an init system would, with SIGTERM: Jetty's shutdown hook stops the server
     * (gracefully with the {@code graceful} module). Kills it, and any child, after 45 seconds.
     *
     * @return whether Jetty exited on its own in time
     */
    boolean stopJetty() throws InterruptedException {
        if (jetty == null) {
            return true;
        }
        Process process = jetty;
        jetty = null;
        // start.jar forks a child JVM only with --exec; stop whatever it started anyway.
        var descendants = process.descendants().toList();
        process.destroy();
        boolean exited = process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        descendants.forEach(ProcessHandle::destroyForcibly);
        if (!exited) {
            process.destroyForcibly();
            process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        Runtime.getRuntime().removeShutdownHook(orphanGuard);
        return exited;
    }

    private void stop() throws Exception {
        try {
            if (client != null) {
                client.stop();
            }
        } finally {
            try {
                if (!stopJetty()) {
                    printLog("Jetty did not stop within " + STOP_TIMEOUT.toSeconds() + "s");
                }
            } finally {
                if (upstream != null) {
                    upstream.close();
                }
            }
        }
    }

    private void printLog(String reason) {
        if (logPrinted || log == null || !Files.exists(log)) {
            return;
        }
        logPrinted = true;
        System.out.println("==== Jetty log (" + reason + "): " + log + System.lineSeparator() + log() + "==== end of Jetty log");
    }

    /** A copy of the WAR with {@link #webInfLib} added under {@code WEB-INF/lib/}. */
    private Path warWith(Path war, Path work) throws IOException {
        Path copy = work.resolve("nexus-gateway.war");
        Files.copy(war, copy);
        try (FileSystem zip = FileSystems.newFileSystem(copy)) {
            for (Path jar : webInfLib) {
                Files.copy(jar, zip.getPath("WEB-INF", "lib", jar.getFileName().toString()));
            }
        }
        return copy;
    }

    private static Path requiredPath(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("system property " + property + " is not set: run the IT with mvn verify");
        }
        Path path = Path.of(value);
        if (!Files.exists(path)) {
            throw new IllegalStateException(property + "=" + path + " does not exist");
        }
        return path;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
