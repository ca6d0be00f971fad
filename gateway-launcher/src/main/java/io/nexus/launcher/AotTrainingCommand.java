package io.nexus.launcher;

import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.lifecycle.BuiltInMiddlewares;
import io.nexus.gateway.lifecycle.DefaultConfig;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.reload.ConfigPlane;
import io.nexus.gateway.reload.InitialConfig;
import io.nexus.gateway.reload.LastKnownGood;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jetty.client.HttpClient;

/**
 * {@code java -XX:AOTCacheOutput=nexus-gateway.aot -jar nexus-gateway.jar aot-training [--requests N] [--seconds N]}:
 * the training run of the JDK's AOT cache (JEP 483, 514 and 515, JDK 25+). It starts the gateway
 * on the bundled default config (the echo route to the demo echo upstream) and sends real
 * traffic through it ({@code --requests}, 8,000 by default, for at most {@code --seconds}, 15),
 * so that the cache holds the classes the request path loads and links and the method profiles
 * it leaves, with which the JIT compiles that path early in the next start; then it stops the
 * gateway, and the JVM writes the cache as it exits.
 * The ports are free loopback ones, so that a training run never collides with a gateway
 * already running on the default ports. Exit 0 when every answer was the expected one, 1
 * otherwise (a cache trained on failures would warm the error paths), 2 for bad arguments.
 */
final class AotTrainingCommand {

    static final String NAME = "aot-training";
    static final int TRAINED = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    private static final String USAGE_LINE = "usage: java -XX:AOTCacheOutput=FILE -jar nexus-gateway.jar " + NAME
        + " [--requests 1-1000000] [--seconds 1-300]";
    /**
     * Thousands of calls of each method of the request path, for its profiles: about 5 s of
     * traffic on a shared 2-core machine (24,000 took 15 s there).
     */
    private static final int DEFAULT_REQUESTS = 8_000;
    /** The bound on a busy build machine, where the cache is then trained on fewer requests. */
    private static final int DEFAULT_SECONDS = 15;
    /** Clients sending at once: enough to open a pool of upstream connections and keep the selector busy. */
    private static final int CLIENTS = 16;

    private AotTrainingCommand() {
    }

    /** Runs the training; returns its exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        int requests = DEFAULT_REQUESTS;
        int seconds = DEFAULT_SECONDS;
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--requests" -> requests = bounded(value, 1_000_000);
                case "--seconds" -> seconds = bounded(value, 300);
                default -> requests = -1;
            }
            if (requests < 0 || seconds < 0) {
                err.println("nexus " + NAME + ": " + args[i] + (value.isEmpty() ? "" : " " + value) + "?\n" + USAGE_LINE);
                return USAGE;
            }
        }
        try {
            return train(requests, Duration.ofSeconds(seconds), out, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("nexus " + NAME + ": interrupted");
            return FAILED;
        } catch (Exception e) {
            err.println("nexus " + NAME + ": could not train: " + e);
            return FAILED;
        }
    }

    /** The value as a number from 1 to {@code max}, else -1. */
    private static int bounded(String value, int max) {
        if (!value.matches("[0-9]{1,7}")) {
            return -1;
        }
        int number = Integer.parseInt(value);
        return number >= 1 && number <= max ? number : -1;
    }

    private static int train(int requests, Duration limit, PrintStream out, PrintStream err) throws Exception {
        // The default config's echo route, to a demo echo upstream of its own on a free port.
        try (DemoUpstream echo = DemoUpstream.start("127.0.0.1", 0)) {
            MiddlewareRegistry middlewares = BuiltInMiddlewares.registry();
            // No environment: NEXUS_PORT or ${?VAR}s of the build machine must not change what is trained.
            ConfigLoader loader = new ConfigLoader(Map.of(), middlewares);
            InitialConfig config = InitialConfig.fromText(trainingConfig(echo.port()), "classpath:" + DefaultConfig.RESOURCE + " (AOT training)",
                ConfigPlane.SOURCE_DEFAULT, loader);
            HttpClient client = new HttpClient();
            client.setMaxConnectionsPerDestination(CLIENTS);
            client.start();
            try (EmbeddedGateway gateway = EmbeddedGateway.start(config, loader, LastKnownGood.disabled(), middlewares)) {
                TrainingTraffic traffic = new TrainingTraffic(client, gateway.publicPort(), gateway.adminPort());
                long start = System.nanoTime();
                traffic.run(CLIENTS, Math.ceilDiv(requests, TrainingTraffic.PUBLIC.size()), limit);
                long millis = (System.nanoTime() - start) / 1_000_000;
                long total = traffic.answers().values().stream().mapToLong(Long::longValue).sum();
                out.printf("nexus %s: %d requests in %d ms, %d failed: %s%n", NAME, total, millis, traffic.failed(), traffic.answers());
                if (traffic.failed() > 0) {
                    traffic.failures().forEach(failure -> err.println("nexus " + NAME + ": " + failure));
                    return FAILED;
                }
                return TRAINED;
            } finally {
                client.stop();
            }
        }
    }

    /** The bundled default config, on free loopback ports, its echo upstream pointed at {@code echoPort}. */
    static String trainingConfig(int echoPort) {
        return DefaultConfig.text() + """

            # AOT training (aot-training): free loopback ports, the echo upstream started by the training.
            nexus.server.host = "127.0.0.1"
            nexus.server.port = 0
            nexus.server.shutdown.drain-delay = 0s
            nexus.admin.host = "127.0.0.1"
            nexus.admin.port = 0
            nexus.demo.enabled = false
            nexus.upstreams.echo.targets = ["http://127.0.0.1:%d"]
            """.formatted(echoPort);
    }
}
