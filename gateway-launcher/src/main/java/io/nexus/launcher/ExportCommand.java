package io.nexus.launcher;

import io.nexus.gateway.config.InvalidConfigException;
import io.nexus.gateway.export.DataPlane;
import io.nexus.gateway.export.Exported;
import io.nexus.gateway.export.Gap;
import io.nexus.gateway.reload.LastKnownGood;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * {@code java -jar nexus-gateway.jar export --format nginx|envoy [--config FILE]}: prints the
 * config (validated as at start-up, plugins included) for another data plane on stdout, and
 * every setting it cannot carry over on stderr, one per line. Exit 0, or 2 for a bad config or
 * bad arguments. See docs/data-plane-switch.md.
 */
final class ExportCommand {

    static final String NAME = "export";
    private static final String USAGE = "usage: java -jar nexus-gateway.jar export --format nginx|envoy [--config FILE]";

    private ExportCommand() {
    }

    static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        Optional<DataPlane> plane = Optional.empty();
        String file = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--format" -> {
                    plane = value == null ? Optional.empty() : DataPlane.ofFormat(value);
                    if (plane.isEmpty()) {
                        err.println("nexus export: --format needs nginx or envoy (" + USAGE + ")");
                        return NexusLauncher.EXIT_BAD_CONFIG;
                    }
                    i++;
                }
                case "--config" -> {
                    if (value == null) {
                        err.println("nexus export: --config needs a file (" + USAGE + ")");
                        return NexusLauncher.EXIT_BAD_CONFIG;
                    }
                    file = value;
                    i++;
                }
                default -> {
                    err.println("nexus export: unknown argument " + args[i] + " (" + USAGE + ")");
                    return NexusLauncher.EXIT_BAD_CONFIG;
                }
            }
        }
        if (plane.isEmpty()) {
            err.println("nexus export: --format is required (" + USAGE + ")");
            return NexusLauncher.EXIT_BAD_CONFIG;
        }
        String[] configArgs = file == null ? new String[0] : new String[] {"--config", file};
        Exported exported;
        try {
            Optional<Path> path = NexusLauncher.configFile(configArgs, environment);
            // No last-known-good fallback: the export is of the file as it is.
            exported = plane.get().export(NexusLauncher.load(path, environment, LastKnownGood.disabled()).config().config());
        } catch (InvalidConfigException e) {
            err.println("nexus export: invalid configuration: " + e.getMessage());
            return NexusLauncher.EXIT_BAD_CONFIG;
        }
        out.print(exported.text());
        out.flush();
        for (Gap gap : exported.gaps()) {
            err.println("not exported to " + plane.get().formatName() + ": " + gap);
        }
        return NexusLauncher.EXIT_OK;
    }
}
