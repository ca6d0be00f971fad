package io.nexus.gateway.upstream;

import io.nexus.gateway.config.UpstreamSettings;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import org.eclipse.jetty.client.HttpClient;

/**
 * A named group of targets with its balancer and its own HTTP client, so that pool sizes and
 * timeouts are per upstream and one slow upstream cannot take another's connections.
 */
public final class Upstream {

    private final UpstreamSettings settings;
    private final Balancer balancer;
    private final HttpClient client;
    private final DistributionDataPoint latency;

    public Upstream(UpstreamSettings settings, Balancer balancer, HttpClient client, DistributionDataPoint latency) {
        this.settings = settings;
        this.balancer = balancer;
        this.client = client;
        this.latency = latency;
    }

    public String name() {
        return settings.name();
    }

    public UpstreamSettings settings() {
        return settings;
    }

    public Balancer balancer() {
        return balancer;
    }

    public HttpClient client() {
        return client;
    }

    /** Observes the duration of one upstream exchange, in seconds. */
    public DistributionDataPoint latency() {
        return latency;
    }

    @Override
    public String toString() {
        return "Upstream[" + name() + " " + balancer.targets() + "]";
    }
}
