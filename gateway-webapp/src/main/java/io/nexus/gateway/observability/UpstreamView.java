package io.nexus.gateway.observability;

import java.util.List;
import org.eclipse.jetty.client.HttpClient;

/** What the upstream gauges read from a live upstream at scrape time; implemented by the upstream package. */
public interface UpstreamView {

    String name();

    /** {@code closed}, {@code open}, {@code half_open} or {@code disabled}. */
    String breakerState();

    /** Requests in flight to the upstream. */
    int activeRequests();

    /** Requests waiting for a place with the upstream. */
    int pendingRequests();

    List<? extends TargetView> targets();

    /** The upstream's client, whose destinations hold the connection pools. */
    HttpClient client();

    /** One target as the gauges see it. */
    interface TargetView {

        /** The target's base URL, the {@code target} label. */
        String base();

        boolean isHealthy();

        /** Attempts in flight to the target. */
        int inflight();
    }
}
