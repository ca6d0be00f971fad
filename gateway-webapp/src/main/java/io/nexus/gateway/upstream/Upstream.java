package io.nexus.gateway.upstream;

import io.nexus.gateway.config.UpstreamSettings;
import io.nexus.gateway.observability.UpstreamMeter;
import io.nexus.gateway.observability.UpstreamView;
import java.util.List;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A named group of targets with its balancer, circuit breaker, health checking and its own HTTP
 * client, so that pool sizes and timeouts are per upstream and one slow upstream cannot take
 * another's connections. Lives as long as some config version uses its settings
 * ({@link UpstreamRegistry}), across any number of reloads.
 */
public final class Upstream implements UpstreamView {

    private final UpstreamSettings settings;
    private final Balancer balancer;
    private final HttpClient client;
    private final UpstreamMeter meter;
    private final UpstreamBreaker breaker;
    private final PassiveHealth passiveHealth;
    private final UpstreamLoad load;
    private final RetryBudget retryBudget;
    static final int AUTO_STREAMS_PER_CONNECTION = 100;
    private ActiveHealthChecker activeHealth;

    public Upstream(UpstreamSettings settings, Balancer balancer, HttpClient client, UpstreamMeter meter, UpstreamBreaker breaker) {
        this.settings = settings;
        this.balancer = balancer;
        this.client = client;
        this.retryBudget = new RetryBudget(settings.retries().budgetPercent(), settings.retries().minRetries());
        this.meter = meter;
        this.breaker = breaker;
        this.passiveHealth = new PassiveHealth(settings.name(), settings.healthCheck().passive(), balancer.targets());
        int maxRequests = settings.maxRequests() > 0 ? settings.maxRequests() : autoMaxRequests(settings, balancer.targets().size());
        this.load = new UpstreamLoad(maxRequests, settings.maxPendingRequests(), settings.queueTimeout().toNanos(), () -> client.getScheduler());
    }

    /**
     * {@code max-requests = auto}: a place for every request a connection can carry, targets x
     * max-connections-per-target, times {@value #AUTO_STREAMS_PER_CONNECTION} for a protocol that
     * multiplexes (the fewest concurrent streams RFC 9113 §6.5.2 recommends a server allow).
     */
    static int autoMaxRequests(UpstreamSettings settings, int targets) {
        long places = (long) targets * settings.maxConnectionsPerTarget();
        if (settings.protocol().multiplexes()) {
            places *= AUTO_STREAMS_PER_CONNECTION;
        }
        return (int) Math.min(places, Integer.MAX_VALUE);
    }

    /** Starts active health checking on the gateway's scheduler when the settings ask for it. */
    void startHealthChecks(Scheduler scheduler) {
        if (settings.healthCheck().active().enabled() && activeHealth == null) {
            activeHealth = ActiveHealthChecker.start(settings.name(), settings.healthCheck().active(), balancer.targets(), client, scheduler);
        }
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public String breakerState() {
        return breaker.state();
    }

    @Override
    public List<Target> targets() {
        return balancer.targets();
    }

    public UpstreamSettings settings() {
        return settings;
    }

    public Balancer balancer() {
        return balancer;
    }

    @Override
    public HttpClient client() {
        return client;
    }

    public UpstreamBreaker breaker() {
        return breaker;
    }

    public PassiveHealth passiveHealth() {
        return passiveHealth;
    }

    /** Its bounded places and queue. */
    public UpstreamLoad load() {
        return load;
    }

    @Override
    public int activeRequests() {
        return load.active();
    }

    @Override
    public int pendingRequests() {
        return load.pending();
    }

    /**
     * The budget of its {@code retries}, shared by the routes that use them (those without a
     * {@code retries} block of their own).
     */
    public RetryBudget retryBudget() {
        return retryBudget;
    }

    /** Its attempts' latency and the errors answered because of it. */
    public UpstreamMeter meter() {
        return meter;
    }

    /** Stops health checking and the client; requests still running on it fail. The registry calls it once no config uses it. */
    void close() {
        if (activeHealth != null) {
            activeHealth.close();
        }
        LifeCycle.stop(client);
    }

    @Override
    public String toString() {
        return "Upstream[" + name() + " " + balancer.targets() + "]";
    }
}
