package io.nexus.gateway.lifecycle;

import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.config.TargetSettings;
import io.nexus.gateway.config.UpstreamSettings;
import io.nexus.gateway.observability.GatewayMetrics;
import io.nexus.gateway.routing.Route;
import io.nexus.gateway.routing.RouteTable;
import io.nexus.gateway.upstream.Balancer;
import io.nexus.gateway.upstream.Target;
import io.nexus.gateway.upstream.Upstream;
import io.nexus.gateway.upstream.UpstreamClients;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Everything a request needs from one configuration: routes, upstreams, their clients.
 * Immutable once built and published whole; a request keeps the snapshot it started with.
 */
public record GatewaySnapshot(GatewayConfig config, RouteTable routes, Map<String, Upstream> upstreams) {

    public GatewaySnapshot {
        upstreams = Map.copyOf(upstreams);
    }

    /** Builds a snapshot and starts its upstream clients; on failure, stops what it started. */
    static GatewaySnapshot build(GatewayConfig config, UpstreamClients clients, GatewayMetrics metrics) throws Exception {
        Map<String, Upstream> upstreams = new LinkedHashMap<>();
        try {
            for (UpstreamSettings settings : config.upstreams().values()) {
                List<Target> targets = new ArrayList<>();
                for (TargetSettings target : settings.targets()) {
                    targets.add(new Target(target.url(), target.weight()));
                }
                Balancer balancer = Balancer.of(settings.balancer(), targets);
                upstreams.put(settings.name(), new Upstream(settings, balancer, clients.start(settings), metrics.upstreamTimer(settings.name())));
            }
        } catch (Exception e) {
            upstreams.values().forEach(upstream -> LifeCycle.stop(upstream.client()));
            throw e;
        }
        List<Route> routes = new ArrayList<>();
        for (RouteSettings settings : config.routes()) {
            routes.add(new Route(settings, upstreams.get(settings.upstream()), metrics.routeMeter(settings.name())));
        }
        return new GatewaySnapshot(config, RouteTable.of(routes), upstreams);
    }

    /** Stops the upstream clients; requests still running on them fail. */
    void close() {
        upstreams.values().forEach(upstream -> LifeCycle.stop(upstream.client()));
    }
}
