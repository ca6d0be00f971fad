package io.nexus.gateway.auth;

import io.nexus.gateway.config.AuthSettings;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.error.GatewayError;
import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.middleware.Middleware;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;

/**
 * The {@code auth} middleware: runs the route's {@link Authenticator} and answers 401
 * {@code unauthorized} (with {@code WWW-Authenticate}) or 403 {@code forbidden}, or lets the
 * request through with its identity for the proxy. One instance per route and config version;
 * a JWT provider with a JWKS file watches it from {@link #init} to {@link #shutdown}.
 */
public final class AuthMiddleware implements Middleware {

    private final String route;
    private volatile Authenticator authenticator;
    private volatile Thread jwksWatcher;

    public AuthMiddleware(RouteSettings route) {
        this.route = route.name();
    }

    @Override
    public void init(RouteSettings route) throws Exception {
        AuthSettings settings = route.auth().orElseThrow(() -> new IllegalStateException("route " + route.name() + " has no auth"));
        switch (settings) {
            case AuthSettings.ApiKey apiKey -> authenticator = new ApiKeyAuthenticator(apiKey);
            case AuthSettings.Jwt jwt -> {
                JwtAuthenticator jwtAuthenticator = new JwtAuthenticator(jwt);
                authenticator = jwtAuthenticator;
                if (jwt.jwksUrl().isPresent()) {
                    // The first fetch before the version takes traffic (bounded by the fetch timeout).
                    jwtAuthenticator.refreshJwks();
                }
                if (jwt.jwksFile().isPresent() || jwt.jwksUrl().isPresent()) {
                    jwksWatcher = Thread.ofVirtual().name("nexus-jwks-" + route.name()).start(() -> {
                        try {
                            while (true) {
                                Thread.sleep(jwt.jwksRefresh());
                                jwtAuthenticator.refreshJwks();
                            }
                        } catch (InterruptedException e) {
                            // shutdown
                        }
                    });
                }
            }
        }
    }

    @Override
    public void shutdown(Instant deadline) {
        Thread watcher = jwksWatcher;
        if (watcher != null) {
            watcher.interrupt();
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest clientRequest = (HttpServletRequest) request;
        switch (authenticator.authenticate(clientRequest)) {
            case Authenticator.Authenticated identity -> {
                Exchange.of(request).identity(AuthHeaders.identity(identity));
                chain.doFilter(request, response);
            }
            case Authenticator.Rejected rejected -> {
                HttpServletResponse proxyResponse = (HttpServletResponse) response;
                proxyResponse.setHeader("WWW-Authenticate", rejected.challenge());
                ErrorResponses.send(proxyResponse, rejected.forbidden() ? GatewayError.FORBIDDEN : GatewayError.UNAUTHORIZED,
                    rejected.message() + " (route " + route + ")", Exchange.requestIdOf(request));
            }
        }
    }
}
