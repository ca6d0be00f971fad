package io.nexus.gateway.export;

import io.nexus.gateway.config.GatewayConfig;
import java.util.Locale;
import java.util.Optional;

/** The data planes a config can be exported to. */
public enum DataPlane {
    NGINX {
        @Override
        public Exported export(GatewayConfig config) {
            return new NginxExport(config).render();
        }
    },
    ENVOY {
        @Override
        public Exported export(GatewayConfig config) {
            return new EnvoyExport(config).render();
        }
    };

    public abstract Exported export(GatewayConfig config);

    /** The name {@code --format} takes. */
    public String formatName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<DataPlane> ofFormat(String format) {
        for (DataPlane plane : values()) {
            if (plane.formatName().equals(format)) {
                return Optional.of(plane);
            }
        }
        return Optional.empty();
    }
}
