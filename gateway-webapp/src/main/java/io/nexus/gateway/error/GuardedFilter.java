package io.nexus.gateway.error;

import io.nexus.gateway.exchange.Exchange;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one middleware so that nothing it throws leaves it: the throwable is logged with the
 * request id, counted in {@code nexus_middleware_failures_total{middleware}}, and answered with
 * a 500 {@code internal} unless the response is already committed.
 *
 * <p>Everything downstream is guarded too (each filter, and the proxy servlet itself), so a
 * throwable reaching this guard came from its own middleware, never from further down.
 */
public final class GuardedFilter implements Filter {

    private static final Logger LOG = LoggerFactory.getLogger(GuardedFilter.class);

    private final String name;
    private final Filter middleware;
    private final CounterDataPoint failures;

    public GuardedFilter(String name, Filter middleware, CounterDataPoint failures) {
        this.name = name;
        this.middleware = middleware;
        this.failures = failures;
    }

    public String name() {
        return name;
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        middleware.init(config);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) {
        try {
            middleware.doFilter(request, response, chain);
        } catch (Throwable failure) {
            recover(name, failures, request, response, failure);
        }
    }

    /** What every guard does with a throwable; the proxy servlet's own guard calls it too. */
    public static void recover(String name, CounterDataPoint failures, ServletRequest request, ServletResponse response, Throwable failure) {
        failures.inc();
        Exchange exchange = Exchange.of(request);
        String requestId = exchange != null ? exchange.requestId() : null;
        // Request-scoped fields of their own for JSON logs; the message keeps the id for plain ones.
        LOG.atError().setCause(failure)
            .addKeyValue("request_id", requestId)
            .addKeyValue("trace_id", exchange != null ? exchange.traceId() : null)
            .addKeyValue("route", exchange != null ? exchange.routeName() : null)
            .log("Middleware {} failed; request_id={}", name, requestId);
        try {
            ErrorResponses.send(request, (HttpServletResponse) response, GatewayError.INTERNAL, "internal_error", "internal error in " + name);
            if (request.isAsyncStarted()) {
                request.getAsyncContext().complete();
            }
        } catch (Throwable secondary) {
            failure.addSuppressed(secondary);
            LOG.debug("Could not answer after the failure of {}", name, secondary);
        }
        if (failure instanceof VirtualMachineError error) {
            // Out of memory or stack: the process is in trouble; let the container see it.
            throw error;
        }
    }

    @Override
    public void destroy() {
        middleware.destroy();
    }
}
