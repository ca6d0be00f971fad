package io.nexus.launcher;

import io.nexus.gateway.lifecycle.BuiltInMiddlewares;
import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.InvalidConfigException;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.reload.InitialConfig;
import io.nexus.gateway.reload.LastKnownGood;
import io.nexus.gateway.lifecycle.DefaultConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * {@code java -jar nexus-gateway.jar [--config FILE]}; {@code validate --config FILE [--against URL]}
 * checks a config without running anything ({@link ValidateCommand}). The config is {@code --config}, else
 * {@code NEXUS_CONFIG}, else {@code conf/gateway.conf}, else the default bundled in the jar.
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

    private NexusLauncher() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> environment = System.getenv();
        if (args.length > 0 && args[0].equals("validate")) {
            System.exit(ValidateCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), environment, System.out, System.err));
            return;
        }
        ConfigLoader loader = new ConfigLoader(environment, BuiltInMiddlewares.registry().names());
        LastKnownGood lastKnownGood = LastKnownGood.fromSetting(environment.get(LastKnownGood.ENVIRONMENT_VARIABLE));
        InitialConfig config;
        try {
            config = loadConfig(args, environment, loader, lastKnownGood);
        } catch (InvalidConfigException e) {
            System.err.println("nexus: invalid configuration: " + e.getMessage());
            System.exit(EXIT_BAD_CONFIG);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println("nexus: " + e.getMessage());
            System.exit(EXIT_BAD_CONFIG);
            return;
        }
        EmbeddedGateway gateway;
        try {
            gateway = EmbeddedGateway.start(config, loader, lastKnownGood, BuiltInMiddlewares.registry());
        } catch (Exception e) {
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

    static InitialConfig loadConfig(String[] args, Map<String, String> environment, ConfigLoader loader, LastKnownGood lastKnownGood)
        throws InvalidConfigException {
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
                    System.out.println("usage: java -jar nexus-gateway.jar [--config FILE]   (or NEXUS_CONFIG=FILE)");
                    System.exit(EXIT_OK);
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (usage: java -jar nexus-gateway.jar [--config FILE])");
            }
        }
        if (file == null) {
            file = environment.get(DefaultConfig.ENVIRONMENT_VARIABLE);
        }
        if (file != null && !file.isBlank()) {
            return InitialConfig.fromFile(Path.of(file), loader, lastKnownGood);
        }
        if (Files.isRegularFile(DEFAULT_FILE)) {
            return InitialConfig.fromFile(DEFAULT_FILE, loader, lastKnownGood);
        }
        LOG.info("No {} here and no --config or {}: using the default bundled in the jar", DEFAULT_FILE, DefaultConfig.ENVIRONMENT_VARIABLE);
        return DefaultConfig.initial(loader);
    }
}
