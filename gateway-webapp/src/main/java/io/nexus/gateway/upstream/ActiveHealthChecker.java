package io.nexus.gateway.upstream;

import io.nexus.gateway.config.HealthCheckSettings;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checking of one upstream: rounds scheduled on the gateway's scheduler, each
 * probing every target at once with {@code GET path} through the upstream's own client; the next
 * round starts {@code interval} after the last probe of a round has answered. Thresholds of
 * consecutive results flip each target's active health flag. Never runs on request threads.
 *
 * <p>The probes are sent asynchronously: the scheduler's one thread only starts them, their
 * results arrive on the client's executor. A round never overlaps the next one, so each target's
 * counters are written by one probe at a time.
 */
final class ActiveHealthChecker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ActiveHealthChecker.class);

    private final String upstream;
    private final HealthCheckSettings.Active settings;
    private final List<Target> targets;
    private final HttpClient client;
    private final Scheduler scheduler;
    private final int[] successes;
    private final int[] failures;
    private volatile boolean running = true;
    private volatile Scheduler.Task next;

    private ActiveHealthChecker(String upstream, HealthCheckSettings.Active settings, List<Target> targets, HttpClient client,
                                Scheduler scheduler) {
        this.upstream = upstream;
        this.settings = settings;
        this.targets = targets;
        this.client = client;
        this.scheduler = scheduler;
        this.successes = new int[targets.size()];
        this.failures = new int[targets.size()];
    }

    /** Starts checking; the first round runs at once. */
    static ActiveHealthChecker start(String upstream, HealthCheckSettings.Active settings, List<Target> targets, HttpClient client,
                                     Scheduler scheduler) {
        ActiveHealthChecker checker = new ActiveHealthChecker(upstream, settings, targets, client, scheduler);
        checker.schedule(0);
        return checker;
    }

    private void schedule(long delayMillis) {
        if (running) {
            next = scheduler.schedule(this::round, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void round() {
        if (!running) {
            return;
        }
        if (targets.isEmpty()) {
            schedule(settings.interval().toMillis());
            return;
        }
        AtomicInteger pending = new AtomicInteger(targets.size());
        for (int i = 0; i < targets.size(); i++) {
            int index = i;
            client.newRequest(targets.get(i).base() + settings.path())
                .timeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .send(result -> {
                    onResult(index, result);
                    if (pending.decrementAndGet() == 0) {
                        schedule(settings.interval().toMillis());
                    }
                });
        }
    }

    private void onResult(int index, Result result) {
        if (!running) {
            // Closed with the upstream: the client stopping fails the probes in flight.
            return;
        }
        Target target = targets.get(index);
        boolean ok;
        String outcome;
        if (result.isFailed()) {
            Throwable failure = result.getFailure();
            ok = false;
            outcome = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        } else {
            int status = result.getResponse().getStatus();
            ok = settings.expectedStatuses().contains(status);
            outcome = "status " + status;
        }
        if (ok) {
            failures[index] = 0;
            if (++successes[index] >= settings.healthyThreshold() && !target.isActiveHealthy()) {
                target.setHealthy(true);
                LOG.info("Upstream {}: {} is healthy again ({} good probes)", upstream, target.base(), successes[index]);
            }
        } else {
            successes[index] = 0;
            if (++failures[index] >= settings.unhealthyThreshold() && target.isActiveHealthy()) {
                target.setHealthy(false);
                LOG.warn("Upstream {}: {} is unhealthy after {} failed probes (last: {})", upstream, target.base(), failures[index], outcome);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        Scheduler.Task task = next;
        if (task != null) {
            task.cancel();
        }
    }
}
