package io.nexus.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.UpstreamSettings;
import io.nexus.gateway.observability.GatewayMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which upstreams a reload keeps, which it builds new, and when the old ones close; no request is sent. */
class UpstreamRegistryTest {

    Scheduler scheduler;
    UpstreamRegistry registry;

    @BeforeEach
    void start() throws Exception {
        scheduler = new ScheduledExecutorScheduler("test-scheduler", true);
        scheduler.start();
        GatewayMetrics metrics = new GatewayMetrics(new PrometheusRegistry(), () -> 0, () -> 0);
        registry = new UpstreamRegistry(new UpstreamClients(null, scheduler, List.of()), scheduler, metrics);
    }

    @AfterEach
    void stop() throws Exception {
        scheduler.stop();
    }

    /** The upstreams of a config whose entry for "api" is {@code api}, next to an unchanged "other". */
    private static Collection<UpstreamSettings> config(String api) throws Exception {
        return ConfigLoader.parse("""
            nexus.upstreams {
              api { %s }
              other { targets = ["http://127.0.0.1:3"] }
            }
            """.formatted(api), "gateway.conf", Map.of()).upstreams().values();
    }

    @Test
    void unchangedSettingsKeepTheSameUpstreamUntilNoSnapshotHoldsIt() throws Exception {
        Collection<UpstreamSettings> config = config("targets = [\"http://127.0.0.1:1\"]");
        Map<String, Upstream> first = registry.acquire(config);
        Map<String, Upstream> second = registry.acquire(config("targets = [\"http://127.0.0.1:1\"]"));
        assertThat(second.get("api")).isSameAs(first.get("api"));
        assertThat(second.get("other")).isSameAs(first.get("other"));
        assertThat(first.get("api").client().getScheduler()).isSameAs(scheduler);

        registry.release(first.values());
        assertThat(second.get("api").client().isRunning()).isTrue();
        registry.release(second.values());
        assertThat(second.get("api").client().isStopped()).isTrue();
        assertThat(second.get("other").client().isStopped()).isTrue();
        assertThat(registry.size()).isZero();
        // The gateway's scheduler is shared, not the clients' to stop.
        assertThat(scheduler.isRunning()).isTrue();
    }

    @Test
    void aChangedUpstreamIsNewAndKeepsItsBreakerAndTheHealthOfTheTargetsThatStay() throws Exception {
        Map<String, Upstream> before = registry.acquire(config("targets = [\"http://127.0.0.1:1\", \"http://127.0.0.1:2\"]"));
        Upstream old = before.get("api");
        old.targets().get(0).setHealthy(false);

        Map<String, Upstream> after = registry.acquire(config("targets = [\"http://127.0.0.1:1\", \"http://127.0.0.1:4\"], connect-timeout = 1s"));
        Upstream changed = after.get("api");
        assertThat(changed).isNotSameAs(old);
        assertThat(changed.client()).isNotSameAs(old.client());
        assertThat(changed.breaker()).isSameAs(old.breaker());
        assertThat(changed.targets()).extracting(Target::isActiveHealthy).containsExactly(false, true);
        assertThat(after.get("other")).isSameAs(before.get("other"));

        // The old snapshot retires: only what it alone held closes.
        registry.release(before.values());
        assertThat(old.client().isStopped()).isTrue();
        assertThat(changed.client().isRunning()).isTrue();
        assertThat(after.get("other").client().isRunning()).isTrue();
        registry.release(after.values());
    }

    @Test
    void changedBreakerSettingsStartANewBreaker() throws Exception {
        Map<String, Upstream> before = registry.acquire(config("targets = [\"http://127.0.0.1:1\"]"));
        Map<String, Upstream> after = registry.acquire(config("targets = [\"http://127.0.0.1:1\"], circuit-breaker.minimum-calls = 5"));
        assertThat(after.get("api").breaker()).isNotSameAs(before.get("api").breaker());
        registry.release(before.values());
        registry.release(after.values());
    }

    @Test
    void aConfigThatComesBackWhileItsSnapshotDrainsGetsItsUpstreamBack() throws Exception {
        String original = "targets = [\"http://127.0.0.1:1\"]";
        Map<String, Upstream> first = registry.acquire(config(original));
        Map<String, Upstream> second = registry.acquire(config(original + ", idle-timeout = 5s"));
        // Rolled back before the first snapshot's last request: its upstream is still running.
        Map<String, Upstream> third = registry.acquire(config(original));
        assertThat(third.get("api")).isSameAs(first.get("api"));
        assertThat(second.get("api")).isNotSameAs(first.get("api"));

        for (Map<String, Upstream> retired : List.of(first, second)) {
            registry.release(retired.values());
        }
        assertThat(second.get("api").client().isStopped()).isTrue();
        assertThat(third.get("api").client().isRunning()).isTrue();
        registry.release(third.values());
        assertThat(registry.size()).isZero();
    }
}
