package io.nexus.gateway.middleware;

import io.nexus.gateway.config.MiddlewareCatalog;
import io.nexus.gateway.config.MiddlewareSettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.error.GuardedFilter;
import io.nexus.gateway.observability.GatewayMetrics;
import io.nexus.gateway.spi.PluginSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Middlewares by name. A route lists the names it uses; whatever the order in the file, they
 * run by ascending {@code priority}. The priorities leave room around the built-ins, which the
 * composition root registers: {@value #RATE_LIMIT} rate limit (added by a route's
 * {@code rate-limit} block), {@value #AUTH} authentication, {@value #FAULT} fault injection,
 * {@value #CUSTOM} for anything registered without a reason to go elsewhere. A config's
 * {@code middleware-settings.NAME.priority} overrides a middleware's priority for that version.
 * Plugins are registered here too, by the composition root, like the built-ins. Immutable once
 * built.
 */
public final class MiddlewareRegistry implements MiddlewareCatalog {

    public static final int RATE_LIMIT = 300;
    public static final int AUTH = 400;
    public static final int FAULT = 500;
    public static final int CUSTOM = 1000;

    /** Where a middleware comes from, for {@code GET /api/v1/plugins}. */
    public static final String BUILT_IN = "built-in";
    /** A middleware registered in code, not by the gateway or a plugin jar (tests, embedding). */
    public static final String CODE = "code";

    private record Entry(String name, ToIntFunction<RouteSettings> priority, OptionalInt fixedPriority, MiddlewareFactory factory,
                         String origin) {
    }

    /**
     * A registered middleware as the admin API lists it.
     *
     * @param priority its default place, when it does not depend on the route
     * @param origin {@value #BUILT_IN}, {@value #CODE} or the plugin's jar
     */
    public record Registration(String name, OptionalInt priority, String origin) {
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

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public Object readSettings(String name, PluginSettings settings) {
        Entry entry = entries.get(name);
        return entry == null ? null : entry.factory().readSettings(settings);
    }

    /** Every registered middleware, by ascending default priority, then name. */
    public List<Registration> registrations() {
        return entries.values().stream()
            .map(entry -> new Registration(entry.name(), entry.fixedPriority(), entry.origin()))
            .sorted(Comparator.comparingInt((Registration r) -> r.priority().orElse(Integer.MAX_VALUE)).thenComparing(Registration::name))
            .toList();
    }

    /**
     * Creates and initializes a route's middlewares in priority order, each inside a guard.
     * When one fails to initialize, those already initialized are shut down again.
     *
     * @param settings the version's {@code middleware-settings}, by middleware name
     * @param scheduler the gateway's scheduler, handed to every instance's {@link Middleware#init}
     */
    public RouteChain chainFor(RouteSettings route, Map<String, MiddlewareSettings> settings, GatewayMetrics metrics, Scheduler scheduler)
        throws Exception {
        List<Entry> selected = new ArrayList<>();
        for (String name : route.middlewares()) {
            Entry entry = entries.get(name);
            if (entry == null) {
                throw new IllegalArgumentException("route " + route.name() + ": unknown middleware " + name);
            }
            selected.add(entry);
        }
        selected.sort(Comparator.comparingInt((Entry entry) -> priority(entry, route, settings)).thenComparing(Entry::name));
        List<Middleware> instances = new ArrayList<>();
        List<GuardedFilter> guarded = new ArrayList<>();
        try {
            for (Entry entry : selected) {
                Middleware middleware = entry.factory().create(route, metrics, Optional.ofNullable(settings.get(entry.name())));
                try {
                    middleware.init(route, scheduler);
                } catch (Exception e) {
                    throw new MiddlewareInitException(route.name(), entry.name(), e);
                }
                instances.add(middleware);
                guarded.add(new GuardedFilter(entry.name(), middleware, metrics.middlewareFailures(entry.name())));
            }
        } catch (Exception e) {
            new RouteChain(List.of(), instances, List.of()).shutdown(Instant.now());
            throw e;
        }
        return new RouteChain(guarded, instances, selected.stream().map(Entry::name).toList());
    }

    private static int priority(Entry entry, RouteSettings route, Map<String, MiddlewareSettings> settings) {
        MiddlewareSettings own = settings.get(entry.name());
        return own != null && own.priority().isPresent() ? own.priority().getAsInt() : entry.priority().applyAsInt(route);
    }

    /** Collects registrations; a name may be registered once. */
    public static final class Builder {
        private final Map<String, Entry> entries = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder register(String name, int priority, MiddlewareFactory factory) {
            return register(name, priority, factory, CODE);
        }

        /**
         * Registers a middleware from a known origin.
         *
         * @param origin {@value #BUILT_IN}, or where a plugin was found
         */
        public Builder register(String name, int priority, MiddlewareFactory factory, String origin) {
            return add(new Entry(name, route -> priority, OptionalInt.of(priority), factory, origin));
        }

        /** Registers a middleware whose priority depends on the route it runs on. */
        public Builder register(String name, ToIntFunction<RouteSettings> priority, MiddlewareFactory factory) {
            return add(new Entry(name, priority, OptionalInt.empty(), factory, CODE));
        }

        private Builder add(Entry entry) {
            Entry existing = entries.putIfAbsent(entry.name(), entry);
            if (existing != null) {
                throw new IllegalArgumentException("middleware " + entry.name() + " from " + entry.origin() + " is already registered (from "
                    + existing.origin() + ")");
            }
            return this;
        }

        public MiddlewareRegistry build() {
            return new MiddlewareRegistry(entries);
        }
    }
}
