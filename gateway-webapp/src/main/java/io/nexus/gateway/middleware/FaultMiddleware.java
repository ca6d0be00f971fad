package io.nexus.gateway.middleware;

import io.nexus.gateway.config.FaultSettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.error.GatewayError;
import io.nexus.gateway.exchange.Exchange;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chaos for tests and rollback drills, set by a route's {@code fault} block: delays a share of
 * requests, answers a share with {@code abort-status} (code {@code fault_injected}) without
 * reaching the upstream, or with {@code throw = true} throws so that the guard's 500 can be
 * shown on a live gateway. The delay blocks the request's thread: cheap on virtual threads.
 */
final class FaultMiddleware implements Middleware {

    static final String CODE = "fault_injected";

    private final String route;
    private final FaultSettings settings;

    FaultMiddleware(RouteSettings route) {
        this.route = route.name();
        this.settings = route.fault().orElseThrow(() -> new IllegalStateException("route " + route.name() + " has no fault settings"));
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (settings.throwException()) {
            throw new IllegalStateException("fault injected by route " + route + " (throw = true)");
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (settings.delayPercent() > 0 && random.nextDouble(100) < settings.delayPercent()) {
            // Within the request's deadline, like the upstream's time: a delay that would pass
            // it ends there with the 504 a slow upstream would get.
            long left = Exchange.of(request).deadlineNanos() - System.nanoTime();
            long delay = settings.delay().toNanos();
            try {
                Thread.sleep(java.time.Duration.ofNanos(Math.max(0, Math.min(delay, left))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (delay >= left) {
                ErrorResponses.send(request, (HttpServletResponse) response, GatewayError.GATEWAY_TIMEOUT, "fault_delay_timeout",
                    "fault delay of " + settings.delay().toMillis() + " ms passed the request timeout (route " + route + ")");
                return;
            }
        }
        if (settings.abortPercent() > 0 && random.nextDouble(100) < settings.abortPercent()) {
            ErrorResponses.send(request, (HttpServletResponse) response, settings.abortStatus(), CODE, "fault_injected",
                "fault injected by route " + route);
            return;
        }
        chain.doFilter(request, response);
    }
}
