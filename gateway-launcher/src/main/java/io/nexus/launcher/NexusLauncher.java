package io.nexus.launcher;

import io.nexus.gateway.lifecycle.BuiltInMiddlewares;
import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.ConfigText;
import io.nexus.gateway.config.InvalidConfigException;
import io.nexus.gateway.middleware.MiddlewareInitException;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.plugin.PluginJars;
import io.nexus.gateway.reload.InitialConfig;
import io.nexus.gateway.reload.LastKnownGood;
import io.nexus.gateway.lifecycle.DefaultConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * {@code java -jar nexus-gateway.jar [--config FILE]}; {@code validate --config FILE [--against URL]}
 * checks a config without running anything ({@link ValidateCommand}). The config is {@code --config}, else
 * {@code NEXUS_CONFIG}, else {@code conf/gateway.conf}, else the default bundled in the jar.
 * Plugins come from the config's {@code plugins.dir}. {@code export --format nginx|envoy}
 * prints the config for another data plane instead ({@link ExportCommand}). {@code aot-training} is
 * the training run of the AOT cache the build and the image make ({@link AotTrainingCommand}).
 * Exit codes: 0 after a clean drain on SIGTERM/SIGINT, 2 for a bad config (one line on
 * stderr), 1 when the server cannot start, 3 when the drain hit its timeout.
 */
public final class NexusLauncher {

    static final int EXIT_OK = 0;
    static final int EXIT_START_FAILED = 1;
    static final int EXIT_BAD_CONFIG = 2;
    static final int EXIT_DRAIN_TIMEOUT = 3;

    private static final Logger LOG = LoggerFactory.getLogger(NexusLauncher.class);
    private static final Path DEFAULT_FILE = Path.of("conf", "gateway.conf");
    private static final String USAGE = "java -jar nexus-gateway.jar [--config FILE]   (or NEXUS_CONFIG=FILE)\n"
        + "       java -jar nexus-gateway.jar export --format nginx|envoy [--config FILE]\n"
        + "       java -XX:AOTCacheOutput=FILE -jar nexus-gateway.jar aot-training [--requests N] [--seconds N]";

    private static final String REJECT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";

    private NexusLauncher() {
    }

    public static void main(String[] args) throws Exception {
        JettyMemoryLayout.preset();
        // The JDK reads this once, when TLS is first used: a client-initiated TLS 1.2 renegotiation
        // is refused by the engine itself with a fatal alert (Jetty's check alone closes the
        // connection only once the renegotiation got through; scanners flag that as a DoS lever).
        if (System.getProperty(REJECT_RENEGOTIATION) == null) {
            System.setProperty(REJECT_RENEGOTIATION, "true");
        }
        if (args.length > 0 && args[0].equals(ExportCommand.NAME)) {
            // The export owns stdout; log lines (logback's console appender looks System.out up
            // on every write) go to stderr with the gaps.
            PrintStream exportOut = System.out;
            System.setOut(System.err);
            System.exit(ExportCommand.run(Arrays.copyOfRange(args, 1, args.length), System.getenv(), exportOut, System.err));
            return;
        }
        if (args.length > 0 && args[0].equals(AotTrainingCommand.NAME)) {
            System.exit(AotTrainingCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
            return;
        }
        Map<String, String> environment = System.getenv();
        if (args.length > 0 && args[0].equals("validate")) {
            System.exit(ValidateCommand.run(Arrays.copyOfRange(args, 1, args.length), environment, System.out, System.err));
            return;
        }
        LastKnownGood lastKnownGood = LastKnownGood.fromSetting(environment.get(LastKnownGood.ENVIRONMENT_VARIABLE));
        Loaded loaded;
        try {
            loaded = load(configFile(args, environment), environment, lastKnownGood);
        } catch (InvalidConfigException e) {
            System.err.println("nexus: invalid configuration: " + e.getMessage());
            System.exit(EXIT_BAD_CONFIG);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println("nexus: " + e.getMessage());
            System.exit(EXIT_BAD_CONFIG);
            return;
        }
        InitialConfig config = loaded.config();
        ConfigLoader loader = loaded.loader();
        EmbeddedGateway gateway;
        try {
            gateway = EmbeddedGateway.start(config, loader, lastKnownGood, loaded.middlewares());
        } catch (Exception e) {
            if (MiddlewareInitException.causes(e)) {
                // A plugin that refuses its settings at init is a bad config, like one that refuses them when read.
                System.err.println("nexus: invalid configuration: " + e.getMessage());
                System.exit(EXIT_BAD_CONFIG);
                return;
            }
            System.err.println("nexus: could not start: " + e);
            LOG.error("Start-up failed", e);
            System.exit(EXIT_START_FAILED);
            return;
        }
        AtomicBoolean stopping = new AtomicBoolean();
        // A signal handler rather than a shutdown hook: after a clean drain the process exits 0,
        // where a JVM ended by SIGTERM through its hooks would report 143.
        for (String signal : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(signal), received -> {
                if (stopping.compareAndSet(false, true)) {
                    Thread.ofPlatform().name("nexus-drain").start(() -> drainAndExit(gateway, received.getName()));
                }
            });
        }
        gateway.join();
    }

    private static void drainAndExit(EmbeddedGateway gateway, String signal) {
        LOG.info("SIG{} received: draining", signal);
        int code;
        try {
            code = gateway.drainAndStop() ? EXIT_OK : EXIT_DRAIN_TIMEOUT;
        } catch (Exception e) {
            LOG.error("Drain failed", e);
            code = EXIT_DRAIN_TIMEOUT;
        }
        System.exit(code);
    }

    /** The start-up config with the loader that validates every later change and the middlewares it may name. */
    record Loaded(InitialConfig config, ConfigLoader loader, MiddlewareRegistry middlewares) {
    }

    /**
     * Finds the plugins under the file's {@code plugins.dir} first (its routes may name them),
     * then validates the file, or the copy bundled in the jar when there is none.
     */
    static Loaded load(Optional<Path> file, Map<String, String> environment, LastKnownGood lastKnownGood) throws InvalidConfigException {
        // Read and parsed once for both: the parse is large for a large route table.
        Optional<ConfigText> text = file.flatMap(InitialConfig::text);
        MiddlewareRegistry middlewares = BuiltInMiddlewares.withPlugins(PluginJars.load(ConfigLoader.pluginsDir(text, environment)));
        ConfigLoader loader = new ConfigLoader(environment, middlewares);
        InitialConfig config;
        if (text.isPresent()) {
            config = InitialConfig.fromFile(file.get(), text.get(), loader, lastKnownGood);
        } else if (file.isPresent()) {
            config = InitialConfig.fromFile(file.get(), loader, lastKnownGood);
        } else {
            LOG.info("No {} here and no --config or {}: using the default bundled in the jar", DEFAULT_FILE, DefaultConfig.ENVIRONMENT_VARIABLE);
            config = DefaultConfig.initial(loader);
        }
        return new Loaded(config, loader, middlewares);
    }

    /** {@code --config FILE}, else {@code NEXUS_CONFIG}, else {@code conf/gateway.conf} if it exists; empty: the bundled default. */
    static Optional<Path> configFile(String[] args, Map<String, String> environment) {
        String file = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--config needs a file");
                    }
                    file = args[++i];
                }
                case "--help", "-h" -> {
                    System.out.println(USAGE);
                    System.exit(EXIT_OK);
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (usage: " + USAGE + ")");
            }
        }
        if (file == null) {
            file = environment.get(DefaultConfig.ENVIRONMENT_VARIABLE);
        }
        if (file != null && !file.isBlank()) {
            return Optional.of(Path.of(file));
        }
        return Files.isRegularFile(DEFAULT_FILE) ? Optional.of(DEFAULT_FILE) : Optional.empty();
    }
}
