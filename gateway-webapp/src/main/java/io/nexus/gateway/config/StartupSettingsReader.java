package io.nexus.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Reads {@link StartupSettings}: {@code nexus.server} (but {@code shutdown}), {@code nexus.admin},
 * {@code nexus.demo} and {@code nexus.config.watch} / {@code poll-interval}. The reloadable keys
 * of those objects are read by {@link ConfigLoader} from the same sections.
 */
final class StartupSettingsReader {

    private static final long MAX_REQUEST_HEADER_SIZE = 1L << 20;
    /** Jetty's own default is 1,024; more only costs memory per connection. */
    private static final int MAX_HEADER_CACHE_SIZE = 4096;

    private StartupSettingsReader() {
    }

    static StartupSettings read(Section nexus, List<ConfigProblem> problems) {
        return new StartupSettings(server(nexus.section("server"), problems), admin(nexus.section("admin")), demo(nexus.section("demo")),
            configWatch(nexus.section("config")), adaptiveConcurrency(nexus.section("server").section("adaptive-concurrency")));
    }

    private static ServerSettings server(Section s, List<ConfigProblem> problems) {
        long headerSize = s.bytes("max-request-header-size", 1024);
        if (headerSize > MAX_REQUEST_HEADER_SIZE) {
            s.problem("max-request-header-size", "must be at most 1MiB, was " + headerSize + " bytes");
        }
        RequestLimits limits = new RequestLimits((int) Math.min(headerSize, MAX_REQUEST_HEADER_SIZE),
            s.intBetween("max-header-count", 1, 10_000));
        return new ServerSettings(
            s.nonBlankString("host"),
            s.intBetween("port", 0, 65535),
            s.intBetween("max-concurrent-requests", 1, 1_000_000),
            s.duration("queue-timeout", Duration.ZERO),
            s.bytes("max-request-body", 0),
            s.bool("virtual-threads"),
            limits,
            TlsSettingsReader.read(s.section("tls"), problems),
            connections(s));
    }

    private static ConnectionSettings connections(Section s) {
        String max = s.string("max-connections");
        int maxConnections = ConnectionSettings.AUTO_MIN;
        boolean auto = "auto".equals(max);
        boolean http2Cleartext = s.bool("http2-cleartext");
        if (auto) {
            // The TLS port always offers h2 by ALPN.
            boolean http2 = http2Cleartext || s.section("tls").bool("enabled");
            maxConnections = ConnectionSettings.auto(Runtime.getRuntime().maxMemory(), http2);
        } else if (max != null) {
            try {
                maxConnections = Integer.parseInt(max.trim());
                if (maxConnections < 1) {
                    s.problem("max-connections", "must be auto or at least 1, was " + max);
                }
            } catch (NumberFormatException e) {
                s.problem("max-connections", "must be auto or a number, was \"" + max + "\"");
            }
        }
        return new ConnectionSettings(maxConnections, auto, s.duration("idle-timeout", Duration.ofSeconds(1)),
            s.duration("header-read-timeout", Duration.ofMillis(100)), s.bytes("min-request-body-rate", 0),
            s.intBetween("header-cache-size", 0, MAX_HEADER_CACHE_SIZE), s.intBetween("pressure-threshold-percent", 50, 100),
            s.duration("pressure-idle-timeout", Duration.ofMillis(100)), s.intBetween("accept-queue-size", 1, 65_535),
            http2Cleartext);
    }

    private static AdaptiveConcurrencySettings adaptiveConcurrency(Section s) {
        String name = s.string("algorithm");
        AdaptiveConcurrencySettings.Algorithm algorithm = name == null ? null : AdaptiveConcurrencySettings.Algorithm.fromConfigName(name);
        if (name != null && algorithm == null) {
            s.problem("algorithm", "unknown algorithm \"" + name + "\" (gradient2, vegas)");
        }
        int min = s.intBetween("min-limit", 1, 1_000_000);
        int max = s.intBetween("max-limit", 1, 1_000_000);
        int initial = s.intBetween("initial-limit", 1, 1_000_000);
        if (min > max) {
            s.problem("max-limit", "must be at least min-limit (" + min + "), was " + max);
        } else if (initial < min || initial > max) {
            s.problem("initial-limit", "must be between min-limit and max-limit (" + min + " to " + max + "), was " + initial);
        }
        return new AdaptiveConcurrencySettings(s.bool("enabled"), algorithm == null ? AdaptiveConcurrencySettings.Algorithm.GRADIENT2 : algorithm,
            min, max, initial);
    }

    private static AdminSettings admin(Section s) {
        Optional<String> token = s.optionalString("token").filter(t -> !t.isEmpty());
        token.ifPresent(t -> {
            if (t.length() < 16) {
                s.problem("token", "must be at least 16 characters long");
            }
        });
        Section war = s.section("war");
        return new AdminSettings(s.nonBlankString("host"), s.intBetween("port", 0, 65535), token,
            new AdminSettings.War(war.bool("metrics-require-token"), war.bool("remote-probes")));
    }

    private static DemoSettings demo(Section s) {
        return new DemoSettings(s.bool("enabled"), s.nonBlankString("host"), s.intBetween("port", 0, 65535));
    }

    private static ConfigWatchSettings configWatch(Section s) {
        return new ConfigWatchSettings(s.bool("watch"), s.duration("poll-interval", Duration.ofMillis(100)));
    }
}
