package io.nexus.gateway.reload;

import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.ConfigProblem;
import io.nexus.gateway.config.ConfigWatchSettings;
import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.InvalidConfigException;
import io.nexus.gateway.config.Sha256;
import io.nexus.gateway.config.StartupSettings;
import io.nexus.gateway.reload.ReloadResult.Outcome;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Info;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every config change goes through here, from the file watcher, the reload endpoint or a
 * rollback: the same validation as start-up, then {@link LiveConfig#apply} (atomic swap), then a
 * new version in the history, the last-known-good copy and the metrics. A refused change keeps
 * the running config, is logged once and counted as a failure. Changes are serialized.
 */
public final class ConfigPlane implements AutoCloseable {

    public static final String SOURCE_FILE = "file";
    public static final String SOURCE_API = "api";
    public static final String SOURCE_ROLLBACK = "rollback";
    public static final String SOURCE_LAST_KNOWN_GOOD = "last-known-good";
    public static final String SOURCE_DEFAULT = "default";
    /** A rollback the config guard made by itself. */
    public static final String SOURCE_GUARD = "guard";

    private static final Logger LOG = LoggerFactory.getLogger(ConfigPlane.class);
    private static final long STABLE_READ_NANOS = TimeUnit.MILLISECONDS.toNanos(ConfigWatcher.RECHECK_MILLIS);

    private final LiveConfig gateway;
    private final ConfigLoader loader;
    private final Optional<Path> file;
    private final LastKnownGood lastKnownGood;
    private final ConfigHistory history = new ConfigHistory();
    private final AtomicInteger ids = new AtomicInteger();
    private final CounterDataPoint successes;
    private final CounterDataPoint failures;
    private final Info versionInfo;
    private final Gauge onLastKnownGood;
    private final StartupSettings startedWith;
    private final Counter guardRollbacks;
    // The contents the config guard rolled back: an API reload of one needs force.
    private final Set<String> rolledBackByGuard = new HashSet<>();
    private ConfigGuard guard;
    private ConfigWatcher watcher;
    // The content last read from the file, applied or not: the watcher reloads only on a change,
    // so a rollback holds until the file changes again.
    private String lastSeenFileHash;
    // New content read once, waiting to read the same again at least STABLE_READ_NANOS later.
    private String unsettledHash;
    private long unsettledSince;

    private ConfigPlane(LiveConfig gateway, ConfigLoader loader, Optional<Path> file, LastKnownGood lastKnownGood) {
        this.gateway = gateway;
        this.startedWith = gateway.config().startup();
        this.loader = loader;
        this.file = file;
        this.lastKnownGood = lastKnownGood;
        var registry = gateway.registry();
        Counter reloads = Counter.builder()
            .name("nexus_config_reloads_total")
            .help("Config changes attempted (file, reload endpoint, rollback), by result: success or failure.")
            .labelNames("result")
            .register(registry);
        successes = reloads.labelValues("success");
        failures = reloads.labelValues("failure");
        // Exposed as nexus_config_version_info{sha256="...",version="N"} 1: the client adds the
        // _info suffix. Ids count this process's versions; the hash is equal on every replica
        // running the same file, which NexusConfigDrift compares across a fleet.
        versionInfo = Info.builder()
            .name("nexus_config_version")
            .help("The live config: its version id in this process and the sha256 of its text (equal on replicas that run the same config).")
            .labelNames("version", "sha256")
            .register(registry);
        onLastKnownGood = Gauge.builder()
            .name("nexus_config_last_known_good_active")
            .help("1 while the gateway runs on its saved last-known-good copy because the file was invalid at start-up.")
            .register(registry);
        guardRollbacks = Counter.builder()
            .name("nexus_config_guard_rollbacks_total")
            .help("Config versions the config guard rolled back, by the signal that got worse: error_ratio or p99.")
            .labelNames("reason")
            .register(registry);
        guardRollbacks.initLabelValues(ConfigGuard.REASON_ERROR_RATIO);
        guardRollbacks.initLabelValues(ConfigGuard.REASON_P99);
    }

    /**
     * Records the config the gateway started on as version 1 and starts watching its file if asked.
     *
     * @param scheduler the gateway's scheduler: times the watcher's looks at the file
     * @param executor runs the watcher's checks, which apply changes and so may block
     */
    public static ConfigPlane start(LiveConfig gateway, InitialConfig initial, ConfigLoader loader, LastKnownGood lastKnownGood,
                                    Scheduler scheduler, Executor executor) {
        ConfigPlane plane = new ConfigPlane(gateway, loader, initial.file(), lastKnownGood);
        synchronized (plane) {
            plane.guard = new ConfigGuard(gateway.guardSignals(), scheduler, executor, plane::rollBackForGuard,
                reason -> plane.guardRollbacks.labelValues(reason).inc());
            plane.guard.started(initial.config());
            String hash = Sha256.hex(initial.text());
            plane.record(initial.config(), initial.text(), hash, initial.source(), Optional.empty(), Optional.empty());
            plane.onLastKnownGood.set(initial.source().equals(SOURCE_LAST_KNOWN_GOOD) ? 1 : 0);
            if (initial.file().isPresent()) {
                plane.lastSeenFileHash = initial.source().equals(SOURCE_FILE) ? hash : currentFileHash(initial.file().get());
            }
        }
        ConfigWatchSettings watch = initial.config().startup().configWatch();
        if (initial.file().isPresent() && watch.watch()) {
            plane.watcher = ConfigWatcher.start(initial.file().get(), watch.pollInterval(), plane::reloadIfFileChanged,
                scheduler, executor);
        }
        return plane;
    }

    /**
     * The reload endpoint: re-reads the file now and applies it unless it is what is live.
     *
     * @param force apply it even when the config guard rolled the same content back before
     */
    public synchronized ReloadResult reloadFromFile(boolean force) {
        if (file.isEmpty()) {
            return refused(List.of(new ConfigProblem("nexus", "this gateway was not started from a config file", "none", -1)));
        }
        String text;
        try {
            text = InitialConfig.read(file.get());
        } catch (InvalidConfigException e) {
            return refused(e.problems());
        }
        String hash = Sha256.hex(text);
        lastSeenFileHash = hash;
        unsettledHash = null;
        if (!force && rolledBackByGuard.contains(hash) && !hash.equals(history.current().sha256())) {
            return refused(List.of(new ConfigProblem("nexus", "the config guard rolled this content (sha256 " + hash
                + ") back; fix the file, or reload with ?force=true to apply it anyway", file.get().toString(), -1)));
        }
        return apply(text, hash, file.get().toString(), SOURCE_API, Optional.empty(), Optional.empty());
    }

    /**
     * The watcher's check: applies the file when its content differs from what was last read.
     * A file written in place (truncate, then write) can be read half-way: new content is acted
     * on only when it reads the same twice, a moment apart.
     *
     * @return {@code false} when the content changed but has not read the same twice yet: the
     *         watcher checks again {@link ConfigWatcher#RECHECK_MILLIS} later
     */
    synchronized boolean reloadIfFileChanged() {
        String text;
        try {
            text = InitialConfig.read(file.orElseThrow());
        } catch (InvalidConfigException e) {
            // Mid-swap or deleted: the next event or poll looks again.
            unsettledHash = null;
            return true;
        }
        String hash = Sha256.hex(text);
        if (hash.equals(lastSeenFileHash)) {
            unsettledHash = null;
            return true;
        }
        long now = System.nanoTime();
        if (!hash.equals(unsettledHash)) {
            unsettledHash = hash;
            unsettledSince = now;
            return false;
        }
        if (now - unsettledSince < STABLE_READ_NANOS) {
            return false;
        }
        unsettledHash = null;
        lastSeenFileHash = hash;
        apply(text, hash, file.get().toString(), SOURCE_FILE, Optional.empty(), Optional.empty());
        return true;
    }

    /**
     * The validate endpoint: parses {@code text} (empty: the file on disk) as a reload would and
     * diffs it against the live version. Applies nothing, counts nothing, and does not wait for a
     * reload in progress.
     */
    public ConfigValidation validate(Optional<String> text) {
        String sourceName;
        String body;
        try {
            if (text.isPresent()) {
                sourceName = "request body";
                body = text.get();
            } else if (file.isPresent()) {
                sourceName = file.get().toString();
                body = InitialConfig.read(file.get());
            } else {
                return new ConfigValidation(List.of(new ConfigProblem("nexus", "no config in the request, and this gateway was not started from a config file",
                    "request body", -1)), "");
            }
            GatewayConfig config = loader.parseRendered(body, sourceName);
            ConfigVersion live = history.current();
            return new ConfigValidation(List.of(), UnifiedDiff.of("version/" + live.id(), live.redacted(), "proposed", config.redacted()));
        } catch (InvalidConfigException e) {
            return new ConfigValidation(e.problems(), "");
        } catch (RuntimeException | OutOfMemoryError e) {
            return new ConfigValidation(List.of(new ConfigProblem("nexus", "the config could not be read: " + reason(e),
                text.isPresent() ? "request body" : file.map(Path::toString).orElse("none"), -1)), "");
        }
    }

    /** Applies an older version again, validated like any change, as a new version. */
    public synchronized Optional<ReloadResult> rollback(int id) {
        return history.find(id).map(target -> apply(target.text(), target.sha256(), "version " + id, SOURCE_ROLLBACK, Optional.of(id),
            Optional.empty()));
    }

    /**
     * The config guard's way back: applies version {@code toId} again, validated like any
     * change, as a version with source {@code guard} and the reason, unless {@code watchedId}
     * is no longer live (a newer change replaced it).
     */
    private synchronized boolean rollBackForGuard(int watchedId, int toId, String reason) {
        ConfigVersion live = history.current();
        if (live.id() != watchedId) {
            LOG.info("Config guard: version {} is no longer live (version {} is); no rollback", watchedId, live.id());
            return false;
        }
        Optional<ConfigVersion> target = history.find(toId);
        if (target.isEmpty()) {
            LOG.error("Config guard: version {} should be rolled back to version {}, which is no longer kept (max-history); "
                + "version {} stays live: {}", watchedId, toId, watchedId, reason);
            return false;
        }
        ReloadResult result = apply(target.get().text(), target.get().sha256(), "version " + toId, SOURCE_GUARD, Optional.of(toId),
            Optional.of(reason));
        if (result.outcome() != Outcome.APPLIED) {
            return false;
        }
        rolledBackByGuard.add(live.sha256());
        return true;
    }

    /** @param hash {@code text}'s SHA-256, which every caller has already (a large file takes milliseconds) */
    private ReloadResult apply(String text, String hash, String sourceName, String source, Optional<Integer> restoredFrom,
                               Optional<String> reason) {
        ConfigVersion live = history.current();
        if (restoredFrom.isEmpty() && hash.equals(live.sha256())) {
            // The file holds what runs: after a start on the last-known-good copy, a file
            // repaired back to that copy ends the fallback as well.
            if (onLastKnownGood.get() != 0) {
                onLastKnownGood.set(0);
                LOG.info("{} now holds the running config (version {}): the last-known-good fallback is over", sourceName, live.id());
            }
            return new ReloadResult(Outcome.UNCHANGED, live, List.of());
        }
        GatewayConfig config;
        try {
            config = loader.parse(text, sourceName);
        } catch (InvalidConfigException e) {
            return refused(e.problems());
        } catch (RuntimeException | OutOfMemoryError e) {
            return refused(List.of(new ConfigProblem("nexus", "the new config could not be read: " + reason(e), sourceName, -1)));
        }
        GatewayConfig before = gateway.config();
        try {
            gateway.apply(config);
        } catch (Exception | OutOfMemoryError e) {
            return refused(List.of(new ConfigProblem("nexus", "the new config could not start: " + reason(e), sourceName, -1)));
        }
        successes.inc();
        warnAboutRestartOnlySettings(live, config);
        ConfigVersion version = record(config, text, hash, source, restoredFrom, reason);
        onLastKnownGood.set(0);
        LOG.info("Config version {} is live (source {}{}, sha256 {})", version.id(), source,
            restoredFrom.map(id -> ", restoring version " + id).orElse(""), version.sha256());
        guard.applied(before, live, config, version);
        return new ReloadResult(Outcome.APPLIED, version, List.of());
    }

    /**
     * Why a change failed, for the operator. Running out of heap while a version is built is
     * survivable: what the build allocated is garbage once it is abandoned, and the live version
     * never depended on it (unless the JVM runs with -XX:+ExitOnOutOfMemoryError).
     */
    private static String reason(Throwable e) {
        if (e instanceof OutOfMemoryError) {
            return "the heap is too small for it (" + e.getMessage() + "): give the gateway more heap, or see "
                + "docs/performance.md, \"Route-table scale\", for the heap a route needs";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /**
     * Listeners, backpressure, threads and the admin token are fixed when the process starts; a
     * reload that changes them says so instead of leaving operators to guess. The demo upstream
     * and the file watch are start-up settings too, but change without a word.
     */
    private void warnAboutRestartOnlySettings(ConfigVersion live, GatewayConfig next) {
        boolean server = !startedWith.server().equals(next.startup().server());
        boolean admin = !startedWith.admin().equals(next.startup().admin());
        if (server || admin) {
            LOG.warn("The config replacing version {} changes {}{}: those take effect at the next restart", live.id(),
                server ? "nexus.server (other than shutdown.*)" : "", server && admin ? " and nexus.admin" : admin ? "nexus.admin" : "");
        }
    }

    private ReloadResult refused(List<ConfigProblem> problems) {
        failures.inc();
        ConfigVersion live = history.current();
        LOG.error("Config change refused; version {} stays live: {}", live.id(), new InvalidConfigException(problems).getMessage());
        return new ReloadResult(Outcome.REFUSED, live, problems);
    }

    private ConfigVersion record(GatewayConfig config, String text, String hash, String source, Optional<Integer> restoredFrom,
                                 Optional<String> reason) {
        ConfigVersion version = new ConfigVersion(ids.incrementAndGet(), Instant.now(), source, restoredFrom, hash, text,
            config.rendering(), reason);
        history.add(version, config.maxHistory());
        versionInfo.setLabelValues(Integer.toString(version.id()), version.sha256());
        // Keyed to the file: a config that did not come from one (the bundled default) has no copy.
        file.ifPresent(configFile -> lastKnownGood.save(configFile, text));
        return version;
    }

    public ConfigVersion current() {
        return history.current();
    }

    /** Kept versions, newest first. */
    public List<ConfigVersion> versions() {
        return history.newestFirst();
    }

    public Optional<ConfigVersion> version(int id) {
        return history.find(id);
    }

    /** The version before {@code version}, when still kept. */
    public Optional<ConfigVersion> previous(ConfigVersion version) {
        return history.before(version);
    }

    /** A unified diff of two versions' redacted configs. */
    public static String diff(ConfigVersion from, ConfigVersion to) {
        return UnifiedDiff.of("version/" + from.id(), from.redacted(), "version/" + to.id(), to.redacted());
    }

    public Optional<Path> file() {
        return file;
    }

    /** The version the config guard watches now, if any. */
    public Optional<Integer> watchedByGuard() {
        return guard.watchedVersion();
    }

    @Override
    public void close() {
        guard.close();
        if (watcher != null) {
            watcher.close();
        }
    }

    /** The hash of what the file holds now, or "" when it cannot be read. */
    private static String currentFileHash(Path file) {
        try {
            return Sha256.hex(InitialConfig.read(file));
        } catch (InvalidConfigException e) {
            return "";
        }
    }
}
