package io.nexus.gateway.proxy;

import io.nexus.gateway.auth.AuthHeaders;
import io.nexus.gateway.config.WebSocketSettings;
import io.nexus.gateway.error.ErrorResponses;
import io.nexus.gateway.error.GatewayError;
import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.observability.Tracing;
import io.nexus.gateway.routing.Route;
import io.nexus.gateway.upstream.LazyTlsClientConnector;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServerContainer;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.URIUtil;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proxies the WebSocket upgrades of routes with {@code websocket = true} on Jetty's own
 * WebSocket support: the handshake goes to the call's target through Jetty's
 * {@link WebSocketClient} with the gateway's forwarding headers, and only once the upstream has
 * answered 101 is the client's request upgraded by the context's
 * {@link JettyWebSocketServerContainer}; a {@link WebSocketBridge} then passes messages, pings,
 * pongs and closes between the two sessions. The route's chain has run on the handshake by then.
 */
public final class WebSocketProxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketProxy.class);
    private static final String CONTAINER_CLASS = "org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServerContainer";
    private static final String CLIENT_CLASS = "org.eclipse.jetty.websocket.client.WebSocketClient";
    // Not forwarded: hop-by-hop fields (RFC 9110 §7.6.1), Host (the client derives it from the
    // target) and the handshake's own fields, which the gateway's client writes for its hop.
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection", "proxy-authorization",
        "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "sec-websocket-key",
        "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-accept", "sec-websocket-protocol");

    private final JettyWebSocketServerContainer container;
    private final WebSocketClient client;
    private final OpenWebSockets sockets;

    private WebSocketProxy(JettyWebSocketServerContainer container, WebSocketClient client, OpenWebSockets sockets) {
        this.container = container;
        this.client = client;
        this.sockets = sockets;
    }

    /**
     * The proxy for a servlet context, started; {@code null} when the container has no Jetty
     * WebSocket support (a Jetty base without the {@code ee10-websocket-jetty} and
     * {@code ee10-websocket-jetty-client-webapp} modules): then WebSocket routes refuse upgrades
     * as every other route does.
     */
    public static WebSocketProxy start(ServletContext context, OpenWebSockets sockets, Executor executor, Scheduler scheduler) throws Exception {
        if (!present(CONTAINER_CLASS) || !present(CLIENT_CLASS)) {
            LOG.info("No Jetty WebSocket support in this container: routes with websocket = true refuse upgrades (docs/protocols.md)");
            return null;
        }
        JettyWebSocketServerContainer container = JettyWebSocketServerContainer.getContainer(context);
        if (container == null) {
            LOG.info("The context has no Jetty WebSocket container: routes with websocket = true refuse upgrades (docs/protocols.md)");
            return null;
        }
        WebSocketClient client = newClient(executor, scheduler);
        client.start();
        return new WebSocketProxy(container, client, sockets);
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, WebSocketProxy.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * The client to upstreams. Embedded, it runs on the server's executor and the gateway's
     * scheduler. In a WAR its HTTP client is the server's (the webapp's own Jetty client classes
     * are other classes), so it is configured through reflection. Either way it must not store
     * cookies, otherwise cookies of different clients would mix.
     */
    private static WebSocketClient newClient(Executor executor, Scheduler scheduler) throws ReflectiveOperationException {
        if (WebSocketClient.class.getClassLoader() == HttpClient.class.getClassLoader()) {
            HttpClient http = new HttpClient(new HttpClientTransportDynamic(new LazyTlsClientConnector(), HttpClientConnectionFactory.HTTP11));
            http.setName("nexus-websocket");
            http.setExecutor(executor);
            http.setScheduler(scheduler);
            http.setFollowRedirects(false);
            http.setHttpCookieStore(new HttpCookieStore.Empty());
            return new WebSocketClient(http);
        }
        WebSocketClient client = new WebSocketClient();
        Object http = WebSocketClient.class.getMethod("getHttpClient").invoke(client);
        Class<?> store = http.getClass().getClassLoader().loadClass("org.eclipse.jetty.http.HttpCookieStore");
        Object empty = http.getClass().getClassLoader().loadClass("org.eclipse.jetty.http.HttpCookieStore$Empty").getConstructor().newInstance();
        http.getClass().getMethod("setHttpCookieStore", store).invoke(http, empty);
        http.getClass().getMethod("setFollowRedirects", boolean.class).invoke(http, false);
        return client;
    }

    /** Whether the request asks for a WebSocket (RFC 6455 §4.1: a GET with {@code Upgrade: websocket}). */
    static boolean isUpgrade(HttpServletRequest request) {
        if (!"GET".equals(request.getMethod())) {
            return false;
        }
        for (Enumeration<String> values = request.getHeaders("Upgrade"); values.hasMoreElements(); ) {
            for (String token : values.nextElement().split(",")) {
                if (token.trim().equalsIgnoreCase("websocket")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Opens the upstream's side at the call's target, then upgrades the client's request; an
     * upstream that cannot be reached or refuses the handshake answers the client as an HTTP
     * attempt would (502, 504, or the upstream's own status), and the client stays on HTTP.
     */
    void proxy(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, UpstreamCall call) throws IOException {
        Exchange exchange = Exchange.of(clientRequest);
        Route route = call.route();
        WebSocketSettings settings = route.settings().webSocket();
        WebSocketBridge bridge = new WebSocketBridge(route.name(), settings, sockets);
        ClientUpgradeRequest upgrade = upgradeRequest(clientRequest, exchange, call);
        Session upstream;
        CompletableFuture<Session> connecting = client.connect(bridge.upstream(), upgrade);
        try {
            upstream = connecting.get(call.remainingMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connecting.cancel(true);
            call.clientFailed();
            call.attemptEnded(0, e);
            return;
        } catch (TimeoutException | ExecutionException e) {
            connecting.cancel(true);
            handshakeFailed(clientRequest, proxyResponse, call, e instanceof ExecutionException ? e.getCause() : e);
            return;
        }
        call.attemptEnded(101, null);
        String protocol = upstream.getUpgradeResponse().getAcceptedSubProtocol();
        boolean upgraded = false;
        try {
            upgraded = container.upgrade((request, response) -> {
                if (protocol != null) {
                    response.setAcceptedSubProtocol(protocol);
                }
                return bridge.client();
            }, clientRequest, proxyResponse);
        } finally {
            if (!upgraded) {
                bridge.abandon();
            }
        }
        if (!upgraded && !proxyResponse.isCommitted()) {
            ErrorResponses.send(clientRequest, proxyResponse, GatewayError.BAD_REQUEST, "websocket_upgrade_invalid",
                "not a valid WebSocket upgrade request");
        }
    }

    private void handshakeFailed(HttpServletRequest clientRequest, HttpServletResponse proxyResponse, UpstreamCall call, Throwable failure)
        throws IOException {
        int status = upgradeStatus(failure);
        if (status > 0) {
            // The upstream answered, but not 101: the client gets that status, as for any answer.
            call.attemptEnded(status, null);
            if (!proxyResponse.isCommitted()) {
                Exchange.of(clientRequest).cause("websocket_upgrade_refused");
                proxyResponse.setStatus(status);
                proxyResponse.setContentLength(0);
            }
            return;
        }
        call.attemptEnded(0, failure);
        ExchangeFailure outcome = call.lastFailure();
        ErrorResponses.send(clientRequest, proxyResponse, outcome.error(), outcome.cause(), outcome.message());
    }

    /**
     * The status of an upstream's answer that was not 101, 0 when it did not answer. The client
     * fails with the UpgradeException of Jetty's WebSocket core, a class a webapp cannot see
     * in a Jetty base, so its status is read by the method both UpgradeExceptions have.
     */
    private static int upgradeStatus(Throwable failure) {
        for (Throwable cause = failure; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            if (cause.getClass().getSimpleName().equals("UpgradeException")) {
                try {
                    Object status = cause.getClass().getMethod("getResponseStatusCode").invoke(cause);
                    if (status instanceof Integer code && code > 0) {
                        return code;
                    }
                } catch (ReflectiveOperationException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    private static ClientUpgradeRequest upgradeRequest(HttpServletRequest clientRequest, Exchange exchange, UpstreamCall call) {
        Route route = call.route();
        String base = call.target().base();
        String scheme = base.regionMatches(true, 0, "https:", 0, 6) ? "wss" + base.substring(5) : "ws" + base.substring(4);
        String path = URIUtil.encodePath(route.upstreamPath(exchange.path()));
        String query = QueryText.encodeInvalid(AuthHeaders.forwardedQuery(clientRequest.getQueryString(), exchange.identity()));
        ClientUpgradeRequest upgrade = new ClientUpgradeRequest(URI.create(scheme + path + (query == null ? "" : "?" + query)));
        HttpFields.Mutable headers = HttpFields.build();
        Set<String> named = connectionNamed(clientRequest);
        for (Enumeration<String> names = clientRequest.getHeaderNames(); names.hasMoreElements(); ) {
            String name = names.nextElement();
            String lower = name.toLowerCase(Locale.ROOT);
            if (NOT_FORWARDED.contains(lower) || named.contains(lower)) {
                continue;
            }
            for (Enumeration<String> values = clientRequest.getHeaders(name); values.hasMoreElements(); ) {
                headers.add(name, values.nextElement());
            }
        }
        ForwardingHeaders.apply(clientRequest, route, GatewayProxyServlet.requestedHost(clientRequest), headers);
        headers.put(Exchange.REQUEST_ID_HEADER, exchange.requestId());
        AuthHeaders.apply(exchange.identity(), headers);
        Tracing.inject(exchange.span(), headers);
        for (HttpField field : headers) {
            List<String> values = new ArrayList<>(upgrade.getHeaders(field.getName()) == null ? List.of() : upgrade.getHeaders(field.getName()));
            values.add(field.getValue());
            upgrade.setHeader(field.getName(), values);
        }
        List<String> protocols = new ArrayList<>();
        for (Enumeration<String> values = clientRequest.getHeaders("Sec-WebSocket-Protocol"); values.hasMoreElements(); ) {
            for (String protocol : values.nextElement().split(",")) {
                if (!protocol.isBlank()) {
                    protocols.add(protocol.trim());
                }
            }
        }
        upgrade.setSubProtocols(protocols);
        upgrade.setTimeout(Math.max(1, call.remainingMillis()), TimeUnit.MILLISECONDS);
        return upgrade;
    }

    /** The fields the client's {@code Connection} names, hop-by-hop too. */
    private static Set<String> connectionNamed(HttpServletRequest clientRequest) {
        Set<String> named = new HashSet<>();
        for (Enumeration<String> values = clientRequest.getHeaders(HttpHeader.CONNECTION.asString()); values.hasMoreElements(); ) {
            for (String token : values.nextElement().split(",")) {
                named.add(token.trim().toLowerCase(Locale.ROOT));
            }
        }
        return named;
    }

    /** Sends every open socket 1001 and waits up to {@code wait} for them, then stops the client. */
    @Override
    public void close() {
        try {
            sockets.goAway(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LifeCycle.stop(client);
    }
}
