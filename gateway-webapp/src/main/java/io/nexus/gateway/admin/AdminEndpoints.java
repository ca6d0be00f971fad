package io.nexus.gateway.admin;

import io.nexus.gateway.reload.ConfigPlane;
import io.prometheus.metrics.exporter.servlet.jakarta.PrometheusMetricsServlet;
import jakarta.servlet.ServletContext;

/**
 * Registers the admin surface (probes, metrics, API, dashboard) in a servlet context: at the root
 * of the launcher's admin connector, or under the reserved {@value #WAR_PREFIX} prefix of the WAR.
 */
public final class AdminEndpoints {

    /** Where the admin endpoints live in WAR mode, which has no second port. */
    public static final String WAR_PREFIX = "/_nexus";

    private AdminEndpoints() {
    }

    /** @param prefix {@code ""} for the admin connector, {@link #WAR_PREFIX} in a WAR */
    public static void register(ServletContext context, String prefix, AdminView gateway, ConfigPlane plane) {
        context.addServlet("nexus-admin", new AdminServlet(gateway, plane)).addMapping(prefix + "/*");
        context.addServlet("nexus-metrics", new PrometheusMetricsServlet(gateway.registry())).addMapping(prefix + "/metrics");
        // The dashboard's files hold no data: what it shows comes from the token-guarded API.
        context.addServlet("nexus-dashboard", new DashboardServlet()).addMapping(prefix + "/ui/*");
        if (!prefix.isEmpty()) {
            // On the public port: what the admin connector keeps private by its loopback address.
            context.addFilter("nexus-war-admin-guard", new WarAdminGuard(prefix, gateway.startupAdminSettings()))
                .addMappingForUrlPatterns(java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST), true,
                    prefix + "/metrics", prefix + "/healthz", prefix + "/readyz");
        }
    }
}
