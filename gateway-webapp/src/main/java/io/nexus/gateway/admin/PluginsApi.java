package io.nexus.gateway.admin;

import io.nexus.gateway.config.MiddlewareSettings;
import io.nexus.gateway.middleware.MiddlewareRegistry.Registration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /api/v1/plugins}: every middleware routes may run, where it comes from and where it runs in the live config. */
final class PluginsApi {

    private PluginsApi() {
    }

    static List<Map<String, Object>> list(AdminView gateway) {
        Map<String, MiddlewareSettings> settings = gateway.snapshot().config().middlewareSettings();
        List<Map<String, Object>> middlewares = new ArrayList<>();
        for (Registration registration : gateway.registeredMiddlewares()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("name", registration.name());
            json.put("origin", registration.origin());
            json.put("default_priority", registration.priority().isPresent() ? registration.priority().getAsInt() : null);
            MiddlewareSettings own = settings.get(registration.name());
            json.put("priority", own != null && own.priority().isPresent() ? Integer.valueOf(own.priority().getAsInt())
                : json.get("default_priority"));
            middlewares.add(json);
        }
        return middlewares;
    }
}
