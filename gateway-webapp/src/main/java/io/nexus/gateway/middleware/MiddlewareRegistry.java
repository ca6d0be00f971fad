package io.nexus.gateway.middleware;

import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.error.GuardedFilter;
import io.nexus.gateway.observability.GatewayMetrics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Middlewares by name. A route lists the names it uses; whatever the order in the file, they
 * run by ascending {@code priority}. The priorities leave room around the built-ins, which the
 * composition root registers: {@value #RATE_LIMIT} rate limit (added by a route's
 * {@code rate-limit} block), {@value #AUTH} authentication, {@value #FAULT} fault injection,
 * {@value #CUSTOM} for anything registered without a reason to go elsewhere.
 * Immutable once built.
 */
public final class MiddlewareRegistry {

    public static final int RATE_LIMIT = 300;
    public static final int AUTH = 400;
    public static final int FAULT = 500;
    public static final int CUSTOM = 1000;

    private record Entry(String name, ToIntFunction<RouteSettings> priority, MiddlewareFactory factory) {
    }

    private final Map<String, Entry> entries;

    private MiddlewareRegistry(Map<String, Entry> entries) {
        this.entries = Map.copyOf(entries);
    }

    /** An empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The factory of the {@code fault} middleware, which the composition root registers. */
    public static MiddlewareFactory fault() {
        return FaultMiddleware::new;
    }

    public Set<String> names() {
        return entries.keySet();
    }

    /**
     * Creates and initializes a route's middlewares in priority order, each inside a guard.
     * When one fails to initialize, those already initialized are shut down again.
     *
     * @param scheduler the gateway's scheduler, handed to every instance's {@link Middleware#init}
     */
    public RouteChain chainFor(RouteSettings route, GatewayMetrics metrics, Scheduler scheduler) throws Exception {
        List<Entry> selected = new ArrayList<>();
        for (String name : route.middlewares()) {
            Entry entry = entries.get(name);
            if (entry == null) {
                throw new IllegalArgumentException("route " + route.name() + ": unknown middleware " + name);
            }
            selected.add(entry);
        }
        selected.sort(Comparator.comparingInt((Entry entry) -> entry.priority().applyAsInt(route)).thenComparing(Entry::name));
        List<Middleware> instances = new ArrayList<>();
        List<GuardedFilter> guarded = new ArrayList<>();
        try {
            for (Entry entry : selected) {
                Middleware middleware = entry.factory().create(route, metrics);
                middleware.init(route, scheduler);
                instances.add(middleware);
                guarded.add(new GuardedFilter(entry.name(), middleware, metrics.middlewareFailures(entry.name())));
            }
        } catch (Exception e) {
            new RouteChain(List.of(), instances, List.of()).shutdown(Instant.now());
            throw e;
        }
        return new RouteChain(guarded, instances, selected.stream().map(Entry::name).toList());
    }

    /** Collects registrations; a name may be registered once. */
    public static final class Builder {
        private final Map<String, Entry> entries = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder register(String name, int priority, MiddlewareFactory factory) {
            return register(name, route -> priority, factory);
        }

        /** Registers a middleware whose priority depends on the route it runs on. */
        public Builder register(String name, ToIntFunction<RouteSettings> priority, MiddlewareFactory factory) {
            if (entries.putIfAbsent(name, new Entry(name, priority, factory)) != null) {
                throw new IllegalArgumentException("middleware " + name + " is already registered");
            }
            return this;
        }

        public MiddlewareRegistry build() {
            return new MiddlewareRegistry(entries);
        }
    }
}
