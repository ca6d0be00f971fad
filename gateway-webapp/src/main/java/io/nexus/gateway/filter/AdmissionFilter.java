package io.nexus.gateway.filter;

import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.error.GatewayError;
import io.nexus.gateway.exchange.Exchange;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Admits a routed request or refuses it: 413 {@code payload_too_large} when its declared body
 * is over {@code max-request-body}, 503 {@code overloaded} with {@code Retry-After} when no
 * backpressure permit frees up within {@code queue-timeout}.
 */
public final class AdmissionFilter extends HttpFilter {

    static final String RETRY_AFTER_SECONDS = "1";

    private final transient AdmissionControl admission;
    private final long maxRequestBody;
    private final transient CounterDataPoint overloaded;
    private final transient CounterDataPoint tooLarge;

    public AdmissionFilter(AdmissionControl admission, long maxRequestBody, CounterDataPoint overloaded, CounterDataPoint tooLarge) {
        this.admission = admission;
        this.maxRequestBody = maxRequestBody;
        this.overloaded = overloaded;
        this.tooLarge = tooLarge;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain) throws IOException, ServletException {
        Exchange exchange = Exchange.of(request);
        if (request.getContentLengthLong() > maxRequestBody) {
            tooLarge.inc();
            ErrorResponses.send(request, response, GatewayError.PAYLOAD_TOO_LARGE, "request_body_too_large", "request body is over " + maxRequestBody + " bytes");
            return;
        }
        boolean admitted;
        try {
            admitted = admission.tryAdmit(exchange);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admitted = false;
        }
        if (!admitted) {
            overloaded.inc();
            response.setHeader("Retry-After", RETRY_AFTER_SECONDS);
            ErrorResponses.send(request, response, GatewayError.OVERLOADED, "concurrency_limit", "too many concurrent requests");
            return;
        }
        chain.doFilter(request, response);
    }
}
