package io.nexus.gateway.upstream;

import io.nexus.gateway.config.HealthCheckSettings;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive health checking: connect failures and 5xx answers in a row eject a target for a while
 * (longer for repeat offenders, capped), after which it is tried again. Success resets the
 * streak. The hot path is one atomic increment or reset; the lock is taken only to eject.
 */
public final class PassiveHealth {

    private static final Logger LOG = LoggerFactory.getLogger(PassiveHealth.class);

    private final String upstream;
    private final HealthCheckSettings.Passive settings;
    private final List<Target> targets;

    PassiveHealth(String upstream, HealthCheckSettings.Passive settings, List<Target> targets) {
        this.upstream = upstream;
        this.settings = settings;
        this.targets = targets;
    }

    public void onSuccess(Target target) {
        if (target.consecutiveFailures().get() != 0) {
            target.consecutiveFailures().set(0);
        }
    }

    public void onFailure(Target target) {
        if (!settings.enabled()) {
            return;
        }
        if (target.consecutiveFailures().incrementAndGet() >= settings.consecutiveFailures()) {
            eject(target);
        }
    }

    private synchronized void eject(Target target) {
        if (target.isEjected() || target.consecutiveFailures().get() < settings.consecutiveFailures()) {
            return;
        }
        long ejected = targets.stream().filter(Target::isEjected).count();
        // Never eject beyond the allowed share: with every target ejected there is nothing to try.
        if ((ejected + 1) * 100 > (long) settings.maxEjectionPercent() * targets.size()) {
            LOG.warn("Upstream {}: {} keeps failing but {} of {} targets are ejected already (max-ejection-percent {})",
                upstream, target.base(), ejected, targets.size(), settings.maxEjectionPercent());
            target.consecutiveFailures().set(0);
            return;
        }
        long now = System.nanoTime();
        // Ejections long past are forgiven: the penalty grows only for repeat offenders.
        if (target.lastEjectionEnd != 0 && now - target.lastEjectionEnd > settings.maxEjectionTime().toNanos()) {
            target.ejections = 0;
        }
        target.ejections++;
        long duration = Math.min(settings.ejectionTime().toNanos() * target.ejections, settings.maxEjectionTime().toNanos());
        target.lastEjectionEnd = now + duration;
        target.ejectUntil(now + duration);
        target.consecutiveFailures().set(0);
        LOG.warn("Upstream {}: ejected {} for {} ms after {} failures in a row (ejection #{})", upstream, target.base(),
            duration / 1_000_000, settings.consecutiveFailures(), target.ejections);
    }
}
