package io.nexus.gateway.auth;

import io.nexus.gateway.config.AuthSettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.error.GatewayError;
import io.nexus.gateway.exchange.AuthenticationGate;
import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.middleware.Middleware;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The {@code auth} middleware: runs the route's {@link Authenticator} and answers 401
 * {@code unauthorized} (with {@code WWW-Authenticate}) or 403 {@code forbidden}, or lets the
 * request through with its identity for the proxy. One instance per route and config version;
 * a JWT provider with a JWKS file or URL refreshes its keys every {@code jwks-refresh} from
 * {@link #init} to {@link #shutdown}, on the gateway's scheduler: the next refresh is scheduled
 * when the previous one is done, so a slow JWKS server never has two fetches in flight.
 */
public final class AuthMiddleware implements Middleware {

    private final String route;
    private volatile Authenticator authenticator;
    private volatile boolean running = true;
    private volatile Scheduler.Task nextRefresh;

    public AuthMiddleware(RouteSettings route) {
        this.route = route.name();
    }

    @Override
    public void init(RouteSettings route, Scheduler scheduler) throws Exception {
        AuthSettings settings = route.auth().orElseThrow(() -> new IllegalStateException("route " + route.name() + " has no auth"));
        switch (settings) {
            case AuthSettings.ApiKey apiKey -> authenticator = new ApiKeyAuthenticator(apiKey);
            case AuthSettings.ClientCert clientCert -> authenticator = new ClientCertAuthenticator(clientCert);
            case AuthSettings.Jwt jwt -> {
                JwtAuthenticator jwtAuthenticator = new JwtAuthenticator(jwt);
                authenticator = jwtAuthenticator;
                if (jwt.jwksUrl().isPresent()) {
                    // The first fetch before the version takes traffic (bounded by the fetch timeout).
                    jwtAuthenticator.refreshJwks().join();
                }
                if (jwt.jwksFile().isPresent() || jwt.jwksUrl().isPresent()) {
                    scheduleRefresh(jwtAuthenticator, jwt.jwksRefresh(), scheduler);
                }
            }
        }
    }

    private void scheduleRefresh(JwtAuthenticator jwt, Duration every, Scheduler scheduler) {
        if (running) {
            nextRefresh = scheduler.schedule(() -> {
                if (running) {
                    jwt.refreshJwks().whenComplete((done, failure) -> scheduleRefresh(jwt, every, scheduler));
                }
            }, every.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void shutdown(Instant deadline) {
        running = false;
        Scheduler.Task task = nextRefresh;
        if (task != null) {
            task.cancel();
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest clientRequest = (HttpServletRequest) request;
        switch (authenticator.authenticate(clientRequest)) {
            case Authenticator.Authenticated identity -> {
                Exchange exchange = Exchange.of(request);
                exchange.identity(AuthHeaders.identity(identity));
                AuthenticationGate gate = exchange.get(AuthenticationGate.KEY);
                if (gate == null || gate.onAuthenticated(clientRequest, (HttpServletResponse) response, exchange.identity().subject())) {
                    chain.doFilter(request, response);
                }
            }
            case Authenticator.Rejected rejected -> {
                HttpServletResponse proxyResponse = (HttpServletResponse) response;
                AuthenticationGate gate = Exchange.of(request).get(AuthenticationGate.KEY);
                if (gate != null && !gate.onFailed(clientRequest, proxyResponse)) {
                    return;
                }
                proxyResponse.setHeader("WWW-Authenticate", rejected.challenge());
                ErrorResponses.send(request, proxyResponse, rejected.forbidden() ? GatewayError.FORBIDDEN : GatewayError.UNAUTHORIZED,
                    rejected.cause(), rejected.message() + " (route " + route + ")");
            }
        }
    }
}
