package io.nexus.gateway.lifecycle;

import io.nexus.gateway.admin.AdminEndpoints;
import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.InvalidConfigException;
import io.nexus.gateway.error.GuardedFilter;
import io.nexus.gateway.filter.AdmissionFilter;
import io.nexus.gateway.filter.ExchangeFilter;
import io.nexus.gateway.filter.RequestIdFilter;
import io.nexus.gateway.filter.StrictTransportFilter;
import io.nexus.gateway.filter.RequestLimitsFilter;
import io.nexus.gateway.filter.RouteChainFilter;
import io.nexus.gateway.filter.RoutingFilter;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.observability.GatewayMetrics;
import io.nexus.gateway.plugin.PluginJars;
import io.nexus.gateway.proxy.GatewayProxyServlet;
import io.nexus.gateway.proxy.WebSocketProxy;
import io.nexus.gateway.reload.ConfigPlane;
import io.nexus.gateway.reload.InitialConfig;
import io.nexus.gateway.reload.LastKnownGood;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import java.util.EnumSet;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the gateway into a servlet context: the guarded filters in their fixed order, mapped to
 * the proxy servlet only, and the proxy servlet at {@code /*}. The launcher puts its gateway in
 * the context before start; in a WAR this listener loads the config, starts the gateway, adds
 * the admin endpoints under {@link AdminEndpoints#WAR_PREFIX} and stops it all on undeploy.
 */
public final class GatewayContextListener implements ServletContextListener {

    /** The servlet name the filters are mapped to. */
    public static final String PROXY_SERVLET = "nexus-proxy";

    private static final Logger LOG = LoggerFactory.getLogger(GatewayContextListener.class);
    private static final String EXECUTOR_ATTRIBUTE = "org.eclipse.jetty.server.Executor";

    private Gateway owned;
    private WebSocketProxy webSockets;
    private ConfigPlane ownedPlane;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        Gateway gateway = (Gateway) context.getAttribute(Gateway.ATTRIBUTE);
        if (gateway == null) {
            gateway = startForWar(context);
        }
        GatewayMetrics metrics = gateway.metrics();
        // Default order: request bookkeeping first, then what may refuse the request.
        addGuarded(context, "exchange", new ExchangeFilter(metrics), metrics);
        addGuarded(context, "request-id", new RequestIdFilter(), metrics);
        StrictTransportFilter hsts = new StrictTransportFilter(gateway.config().startup().server().tls().hsts());
        if (hsts.active()) {
            addGuarded(context, "hsts", hsts, metrics);
        }
        addGuarded(context, "request-limits", new RequestLimitsFilter(gateway.config().startup().server().limits()), metrics);
        addGuarded(context, "routing", new RoutingFilter(gateway.snapshots()), metrics);
        addGuarded(context, "admission", new AdmissionFilter(gateway.admission(), gateway.config().startup().server().maxRequestBody(),
            metrics.rejections("overloaded"), metrics.rejections("payload_too_large")), metrics);
        addGuarded(context, "middlewares", new RouteChainFilter(), metrics);

        webSockets = startWebSockets(context, gateway);
        ServletRegistration.Dynamic proxy = context.addServlet(PROXY_SERVLET, new GatewayProxyServlet(metrics.middlewareFailures("proxy"),
            gateway.config().startup().server().maxRequestBody(), metrics.rejections("payload_too_large"), gateway.inflightCalls(), webSockets));
        proxy.setAsyncSupported(true);
        proxy.setLoadOnStartup(1);
        proxy.addMapping("/*");
        if (owned != null) {
            owned.markReady();
        }
    }

    private static WebSocketProxy startWebSockets(ServletContext context, Gateway gateway) {
        try {
            return WebSocketProxy.start(context, gateway.webSockets(), gateway.executor(), gateway.scheduler());
        } catch (Exception e) {
            throw new IllegalStateException("The WebSocket client could not start: " + e.getMessage(), e);
        }
    }

    private static void addGuarded(ServletContext context, String name, Filter filter, GatewayMetrics metrics) {
        FilterRegistration.Dynamic registration = context.addFilter(name, new GuardedFilter(name, filter, metrics.middlewareFailures(name)));
        // The proxy completes responses asynchronously: every filter in front of it must allow that.
        registration.setAsyncSupported(true);
        registration.addMappingForServletNames(EnumSet.of(DispatcherType.REQUEST), true, PROXY_SERVLET);
    }

    private Gateway startForWar(ServletContext context) {
        MiddlewareRegistry middlewares;
        try {
            // The webapp's class path: plugin jars in WEB-INF/lib (docs/plugins.md).
            middlewares = BuiltInMiddlewares.withPlugins(PluginJars.fromClassPath(GatewayContextListener.class.getClassLoader(),
                context.getContextPath().isEmpty() ? "webapp /" : "webapp " + context.getContextPath()));
        } catch (InvalidConfigException e) {
            throw new IllegalStateException("Nexus could not start: " + e.getMessage(), e);
        }
        ConfigLoader loader = new ConfigLoader(System.getenv(), middlewares);
        LastKnownGood lastKnownGood = WarConfig.lastKnownGood();
        InitialConfig initial = WarConfig.load(loader, lastKnownGood);
        try {
            owned = Gateway.start(initial.config(), (Executor) context.getAttribute(EXECUTOR_ATTRIBUTE), middlewares);
        } catch (Exception e) {
            throw new IllegalStateException("Nexus could not start: " + e.getMessage(), e);
        }
        ownedPlane = ConfigPlane.start(owned, initial, loader, lastKnownGood, owned.scheduler(), owned.executor());
        context.setAttribute(Gateway.ATTRIBUTE, owned);
        AdminEndpoints.register(context, AdminEndpoints.WAR_PREFIX, owned, ownedPlane);
        WarDrain.install(context, owned);
        LOG.info("Nexus runs as a webapp; admin endpoints under {}{}", context.getContextPath(), AdminEndpoints.WAR_PREFIX);
        return owned;
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        if (webSockets != null) {
            webSockets.close();
            webSockets = null;
        }
        if (owned != null) {
            ownedPlane.close();
            owned.close();
            owned = null;
            LOG.info("Nexus stopped");
        }
    }
}
