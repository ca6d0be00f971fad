package io.nexus.gateway.upstream;

import io.nexus.gateway.config.HealthCheckSettings;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checking of one upstream: a virtual thread probes every target with
 * {@code GET path} through the upstream's own client every {@code interval}; thresholds of
 * consecutive results flip each target's active health flag. Never runs on request threads.
 */
final class ActiveHealthChecker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ActiveHealthChecker.class);

    private final String upstream;
    private final HealthCheckSettings.Active settings;
    private final List<Target> targets;
    private final HttpClient client;
    private final int[] successes;
    private final int[] failures;
    private final Thread thread;
    private volatile boolean running = true;

    private ActiveHealthChecker(String upstream, HealthCheckSettings.Active settings, List<Target> targets, HttpClient client) {
        this.upstream = upstream;
        this.settings = settings;
        this.targets = targets;
        this.client = client;
        this.successes = new int[targets.size()];
        this.failures = new int[targets.size()];
        this.thread = Thread.ofVirtual().name("nexus-health-" + upstream).unstarted(this::loop);
    }

    static ActiveHealthChecker start(String upstream, HealthCheckSettings.Active settings, List<Target> targets, HttpClient client) {
        ActiveHealthChecker checker = new ActiveHealthChecker(upstream, settings, targets, client);
        checker.thread.start();
        return checker;
    }

    private void loop() {
        while (running) {
            for (int i = 0; i < targets.size() && running; i++) {
                probe(i);
            }
            try {
                Thread.sleep(settings.interval());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void probe(int index) {
        Target target = targets.get(index);
        boolean ok;
        String outcome;
        try {
            Request request = client.newRequest(target.base() + settings.path()).timeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
            int status = request.send().getStatus();
            ok = settings.expectedStatuses().contains(status);
            outcome = "status " + status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            ok = false;
            outcome = e.getClass().getSimpleName() + ": " + e.getMessage();
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
        thread.interrupt();
    }
}
