package io.nexus.gateway.filter;

import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.observability.GatewayMetrics;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The outermost filter: opens the request's {@link Exchange} and makes sure it completes once,
 * which releases the backpressure permit and records {@code nexus_requests_total} and
 * {@code nexus_request_duration_seconds}.
 */
public final class ExchangeFilter extends HttpFilter {

    private final transient GatewayMetrics metrics;

    public ExchangeFilter(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain) throws IOException, ServletException {
        Exchange exchange = Exchange.open(request, metrics.tracing().startSpan(request), metrics.beforeRouting());
        try {
            chain.doFilter(request, response);
        } finally {
            // While this dispatch runs, an async completion from another thread is deferred
            // until it returns, so a listener added here is never too late.
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(exchange);
            } else {
                exchange.complete(response.getStatus());
            }
        }
    }
}
