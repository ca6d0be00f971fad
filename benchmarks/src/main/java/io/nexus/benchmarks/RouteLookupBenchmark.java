package io.nexus.benchmarks;

import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.config.RouteSettings.MatchKind;
import io.nexus.gateway.config.UpstreamSettings;
import io.nexus.gateway.middleware.RouteChain;
import io.nexus.gateway.routing.Route;
import io.nexus.gateway.routing.RouteTable;
import io.nexus.gateway.upstream.Balancer;
import io.nexus.gateway.upstream.Target;
import io.nexus.gateway.upstream.Upstream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code RouteTable.find} on a table shaped like a real API gateway's: 200 routes (20 services
 * with a prefix route, 8 resource prefixes and an exact health route each; a few host-bound and
 * method-bound), looked up with a mix of deep hits, shallow hits, exact hits and misses.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteLookupBenchmark {

    static final String[] RESOURCES = {"users", "orders", "items", "carts", "payments", "invoices", "search", "events"};

    RouteTable table;
    String[] paths;
    String[] methods;
    String[] hosts;

    @Setup
    public void setUp() {
        UpstreamSettings settings = upstreamSettings();
        Upstream upstream = new Upstream(settings, Balancer.roundRobin(List.of(new Target(URI.create("http://127.0.0.1:1"), 1))), null, null, null);
        List<Route> routes = new ArrayList<>();
        for (int s = 0; s < 20; s++) {
            String service = "/api/v" + (s % 3 + 1) + "/svc" + s;
            routes.add(route("svc" + s, service, MatchKind.PREFIX, Set.of(), null, upstream));
            routes.add(route("svc" + s + "-health", service + "/health", MatchKind.EXACT, Set.of("GET"), null, upstream));
            for (String resource : RESOURCES) {
                Set<String> methods = resource.equals("search") ? Set.of("GET") : Set.of();
                String host = resource.equals("events") ? "events.example.com" : null;
                routes.add(route("svc" + s + "-" + resource, service + "/" + resource, MatchKind.PREFIX, methods, host, upstream));
            }
        }
        table = RouteTable.of(routes);
        paths = new String[] {
            "/api/v1/svc0/users/42/profile",       // deep prefix hit
            "/api/v2/svc7/orders",                 // prefix hit on the route's own path
            "/api/v3/svc11/health",                // exact hit
            "/api/v1/svc18/unknown/thing",         // falls back to the service prefix
            "/api/v2/svc4/events/stream",          // host-bound route, request without that host: falls back
            "/static/app.js",                      // miss
            "/api/v1/svc9/search/q",               // method-bound route
            "/api/v3/svc2/payments/9/refunds/1"};  // deep prefix hit
        methods = new String[] {"GET", "POST", "GET", "GET", "GET", "GET", "GET", "PUT"};
        hosts = new String[] {"api.example.com", "api.example.com", "api.example.com", "api.example.com",
            "api.example.com", "api.example.com", "api.example.com", "api.example.com"};
    }

    private static Route route(String name, String path, MatchKind match, Set<String> methods, String host, Upstream upstream) {
        RouteSettings settings = new RouteSettings(name, path, match, "up", false, methods, Optional.ofNullable(host),
            Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        return new Route(settings, upstream, null, RouteChain.empty());
    }

    /** An upstream's settings with every default, as the config loader makes them. */
    private static UpstreamSettings upstreamSettings() {
        try {
            return io.nexus.gateway.config.ConfigLoader.parse("nexus.upstreams.up.targets = [\"http://127.0.0.1:1\"]", "benchmark.conf",
                java.util.Map.of()).upstreams().get("up");
        } catch (io.nexus.gateway.config.InvalidConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each thread walks the request mix on its own. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Benchmark
    public Route find(Cursor cursor) {
        int i = cursor.next++ & 7;
        return table.find(methods[i], hosts[i], paths[i]);
    }
}
