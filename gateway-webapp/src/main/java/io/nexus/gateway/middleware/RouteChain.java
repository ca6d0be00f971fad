package io.nexus.gateway.middleware;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A route's guarded middlewares in priority order, run between admission and the proxy. */
public final class RouteChain {

    private static final Logger LOG = LoggerFactory.getLogger(RouteChain.class);
    private static final RouteChain EMPTY = new RouteChain(List.of(), List.of(), List.of());

    private final Filter[] filters;
    private final List<Middleware> instances;
    private final List<String> names;

    /** @param names the registry names of {@code filters}, in the same (run) order */
    RouteChain(List<? extends Filter> filters, List<Middleware> instances, List<String> names) {
        this.filters = filters.toArray(Filter[]::new);
        this.instances = List.copyOf(instances);
        this.names = List.copyOf(names);
    }

    public static RouteChain empty() {
        return EMPTY;
    }

    /** The middlewares' registry names in the order they run (priority, then name), not as the config lists them. */
    public List<String> names() {
        return names;
    }

    /** Runs the middlewares, then {@code tail} (the rest of the servlet chain). */
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain tail) throws IOException, ServletException {
        if (filters.length == 0) {
            tail.doFilter(request, response);
        } else {
            new Position(tail).doFilter(request, response);
        }
    }

    /** Shuts every instance down, in reverse order; one failing does not stop the others. */
    public void shutdown(Instant deadline) {
        for (int i = instances.size() - 1; i >= 0; i--) {
            try {
                instances.get(i).shutdown(deadline);
            } catch (RuntimeException e) {
                LOG.warn("Middleware shutdown failed", e);
            }
        }
    }

    private final class Position implements FilterChain {
        private final FilterChain tail;
        private int next;

        Position(FilterChain tail) {
            this.tail = tail;
        }

        @Override
        public void doFilter(ServletRequest request, ServletResponse response) throws IOException, ServletException {
            if (next < filters.length) {
                filters[next++].doFilter(request, response, this);
            } else {
                tail.doFilter(request, response);
            }
        }
    }
}
