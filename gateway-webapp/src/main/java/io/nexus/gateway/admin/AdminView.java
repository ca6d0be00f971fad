package io.nexus.gateway.admin;

import io.nexus.gateway.middleware.MiddlewareRegistry;
import java.util.List;
import io.nexus.gateway.config.AdminSettings;
import io.nexus.gateway.snapshot.GatewaySnapshot;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** What the admin surface reads from the running gateway, as the composition root provides it. */
public interface AdminView {

    Readiness readiness();

    /** The snapshot that takes new requests now. */
    GatewaySnapshot snapshot();

    /** The admin settings the process started with: a reload never changes the token. */
    AdminSettings startupAdminSettings();

    PrometheusRegistry registry();

    /** The middlewares routes may run: built-ins and plugins, as registered at start-up. */
    List<MiddlewareRegistry.Registration> registeredMiddlewares();
}
