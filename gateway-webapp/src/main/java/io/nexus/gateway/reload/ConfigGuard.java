package io.nexus.gateway.reload;

import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.GuardSettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.observability.GuardSignal;
import io.nexus.gateway.observability.GuardSignals;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches each newly applied config version for {@code config.guard.window} and rolls it back
 * when a route it touched, or the whole gateway, got worse than in the window before the change
 * (docs/runbook/config-guard.md). A change is watched under the guard settings of the version it
 * replaces, so a bad change cannot switch off its own guard. Runs on the shared scheduler; the
 * rollback itself goes through the config plane on the executor, like any change.
 */
final class ConfigGuard implements AutoCloseable {

    /** What rolls a watched version back; answers whether it did. */
    interface Rollback {
        boolean rollBack(int watchedId, int toId, String reason);
    }

    static final String REASON_ERROR_RATIO = "error_ratio";
    static final String REASON_P99 = "p99";
    static final String GATEWAY_SCOPE = "the whole gateway";

    private static final Logger LOG = LoggerFactory.getLogger(ConfigGuard.class);
    private static final long MIN_CHECK_MILLIS = 100;
    private static final long MAX_CHECK_MILLIS = 1000;

    private final GuardSignals signals;
    private final Scheduler scheduler;
    private final Executor executor;
    private final Rollback rollback;
    private final GuardRollbacks counted;
    private Duration rotationPeriod;
    private Scheduler.Task rotation;
    private Watch watch;
    private GuardSettings live;
    private boolean closed;

    ConfigGuard(GuardSignals signals, Scheduler scheduler, Executor executor, Rollback rollback, GuardRollbacks counted) {
        this.signals = signals;
        this.scheduler = scheduler;
        this.executor = executor;
        this.rollback = rollback;
        this.counted = counted;
    }

    /** The version the gateway started on: starts recording when its guard is on. */
    synchronized void started(GatewayConfig config) {
        live = config.guard();
        configure();
    }

    /**
     * A version went live. Ends the watch of the version it replaced, and watches it unless the
     * guard itself applied it (a rollback of the guard is never watched into a loop).
     */
    synchronized void applied(GatewayConfig before, ConfigVersion beforeVersion, GatewayConfig after, ConfigVersion version) {
        if (watch != null) {
            LOG.info("Config guard: version {} replaced version {} while it was watched; the watch of version {} ends", version.id(),
                watch.version, watch.version);
            endWatch();
        }
        GuardSettings settings = before.guard();
        if (settings.enabled() && !version.source().equals(ConfigPlane.SOURCE_GUARD)) {
            watch = startWatch(before, beforeVersion, after, version, settings);
        }
        live = after.guard();
        configure();
    }

    private Watch startWatch(GatewayConfig before, ConfigVersion beforeVersion, GatewayConfig after, ConfigVersion version,
                             GuardSettings settings) {
        List<Scope> scopes = new ArrayList<>();
        GuardSignal.Stats gatewayBefore = signals.gateway().recent();
        for (String route : touchedRoutes(before, after)) {
            Optional<GuardSignal> existing = signals.existingRoute(route);
            GuardSignal.Stats own = existing.map(GuardSignal::recent).orElse(null);
            // A route the change added has no history: its errors are held to the gateway's.
            scopes.add(new Scope("route \"" + route + "\"", signals.route(route), own != null ? own : gatewayBefore, own));
        }
        // Last, so that a rollback names the route that got worse when there is one.
        scopes.add(new Scope(GATEWAY_SCOPE, signals.gateway(), gatewayBefore, gatewayBefore));
        scopes.forEach(scope -> scope.signal.startWatch());
        signals.recording(true);
        long checkMillis = Math.clamp(settings.window().toMillis() / 10, MIN_CHECK_MILLIS, MAX_CHECK_MILLIS);
        Watch started = new Watch(version.id(), beforeVersion.id(), settings, scopes, System.nanoTime() + settings.window().toNanos());
        started.task = scheduler.schedule(() -> check(started, checkMillis), checkMillis, TimeUnit.MILLISECONDS);
        LOG.info("Config guard: watching version {} for {}: the gateway and the {} route(s) it changed; version {} is the way back",
            version.id(), text(settings.window()), scopes.size() - 1, beforeVersion.id());
        return started;
    }

    /**
     * The routes of {@code after} that are new or differ from {@code before}: their settings,
     * including the auth and rate limit they carry, or the upstream they use.
     */
    static List<String> touchedRoutes(GatewayConfig before, GatewayConfig after) {
        Map<String, RouteSettings> old = new HashMap<>();
        before.routes().forEach(route -> old.put(route.name(), route));
        List<String> touched = new ArrayList<>();
        for (RouteSettings route : after.routes()) {
            RouteSettings previous = old.get(route.name());
            if (previous == null || !previous.equals(route)
                || !Objects.equals(before.upstreams().get(route.upstream()), after.upstreams().get(route.upstream()))) {
                touched.add(route.name());
            }
        }
        return touched;
    }

    private void check(Watch checked, long checkMillis) {
        Optional<Breach> breach;
        String verdicts;
        synchronized (this) {
            if (watch != checked || closed) {
                return;
            }
            breach = checked.breach();
            if (breach.isEmpty() && System.nanoTime() - checked.endsAt < 0) {
                checked.task = scheduler.schedule(() -> check(checked, checkMillis), checkMillis, TimeUnit.MILLISECONDS);
                return;
            }
            verdicts = checked.verdicts();
            endWatch();
            configure();
        }
        if (breach.isEmpty()) {
            LOG.info("Config guard: version {} kept after {}: {}", checked.version, text(checked.settings.window()), verdicts);
            return;
        }
        Breach found = breach.get();
        LOG.warn("Config guard: rolling version {} back to version {}: {}", checked.version, checked.previous, found.reason);
        executor.execute(() -> {
            if (rollback.rollBack(checked.version, checked.previous, found.reason)) {
                counted.count(found.signal);
            }
        });
    }

    /** Records while the live version's guard is on or a watch runs, with windows as long as the guard's. */
    private void configure() {
        boolean record = live.enabled() || watch != null;
        signals.recording(record);
        Duration period = live.enabled() ? live.window() : watch != null ? watch.settings.window() : null;
        if (period != null && period.equals(rotationPeriod)) {
            return;
        }
        if (rotation != null) {
            rotation.cancel();
            rotation = null;
        }
        rotationPeriod = period;
        if (period != null) {
            scheduleRotation();
        }
    }

    private void scheduleRotation() {
        rotation = scheduler.schedule(() -> {
            synchronized (this) {
                if (closed || rotation == null) {
                    return;
                }
                signals.rotate();
                scheduleRotation();
            }
        }, rotationPeriod.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A window as the config writes it: 60s, 500ms. */
    private static String text(Duration window) {
        return window.toMillis() % 1000 == 0 ? window.toSeconds() + "s" : window.toMillis() + "ms";
    }

    private void endWatch() {
        watch.task.cancel();
        watch.scopes.forEach(scope -> scope.signal.endWatch());
        watch = null;
    }

    /** Whether a watch runs now, for tests and the admin view. */
    synchronized Optional<Integer> watchedVersion() {
        return Optional.ofNullable(watch).map(w -> w.version);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (watch != null) {
            endWatch();
        }
        if (rotation != null) {
            rotation.cancel();
            rotation = null;
        }
    }

    /** Counts rollbacks by the signal that caused them. */
    interface GuardRollbacks {
        void count(String reason);
    }

    private record Breach(String signal, String reason) {
    }

    /**
     * One thing watched: its signal, what it is compared with for errors, and its own history
     * for latency ({@code null} for a route the change added: it has no latency to compare).
     */
    private record Scope(String name, GuardSignal signal, GuardSignal.Stats errorBaseline, GuardSignal.Stats latencyBaseline) {
    }

    private static final class Watch {
        final int version;
        final int previous;
        final GuardSettings settings;
        final List<Scope> scopes;
        final long endsAt;
        Scheduler.Task task;

        Watch(int version, int previous, GuardSettings settings, List<Scope> scopes, long endsAt) {
            this.version = version;
            this.previous = previous;
            this.settings = settings;
            this.scopes = scopes;
            this.endsAt = endsAt;
        }

        Optional<Breach> breach() {
            for (Scope scope : scopes) {
                GuardSignal.Stats now = scope.signal.watched();
                if (now.requests() < settings.minRequests()) {
                    continue;
                }
                double errorsBefore = scope.errorBaseline.errorRatio();
                if (now.errorRatio() - errorsBefore > settings.maxErrorRatioIncrease()) {
                    return Optional.of(new Breach(REASON_ERROR_RATIO, String.format(
                        "5xx ratio of %s %.3f after the change vs %.3f before (allowed increase %.3f), over %d requests",
                        scope.name, now.errorRatio(), errorsBefore, settings.maxErrorRatioIncrease(), now.requests())));
                }
                GuardSignal.Stats latencyBefore = scope.latencyBaseline;
                if (latencyBefore != null && latencyBefore.requests() >= settings.minRequests()
                    && now.p99Nanos() > latencyBefore.p99Nanos() * settings.maxP99Increase()
                    && now.p99Nanos() - latencyBefore.p99Nanos() >= settings.minP99Increase().toNanos()) {
                    return Optional.of(new Breach(REASON_P99, String.format(
                        "p99 of %s %s after the change vs %s before (allowed %.1fx), over %d requests",
                        scope.name, millis(now.p99Nanos()), millis(latencyBefore.p99Nanos()), settings.maxP99Increase(), now.requests())));
                }
            }
            return Optional.empty();
        }

        String verdicts() {
            List<String> parts = new ArrayList<>();
            for (Scope scope : scopes) {
                GuardSignal.Stats now = scope.signal.watched();
                if (now.requests() < settings.minRequests()) {
                    parts.add(String.format("%s not judged: too little traffic (%d requests, min-requests %d)", scope.name, now.requests(),
                        settings.minRequests()));
                } else {
                    parts.add(String.format("%s within limits (5xx ratio %.3f vs %.3f, p99 %s vs %s, %d requests)", scope.name,
                        now.errorRatio(), scope.errorBaseline.errorRatio(), millis(now.p99Nanos()),
                        scope.latencyBaseline == null || scope.latencyBaseline.requests() < settings.minRequests() ? "no baseline"
                            : millis(scope.latencyBaseline.p99Nanos()), now.requests()));
                }
            }
            return String.join("; ", parts);
        }

        private static String millis(long nanos) {
            return String.format("%.1f ms", nanos / 1e6);
        }
    }
}
