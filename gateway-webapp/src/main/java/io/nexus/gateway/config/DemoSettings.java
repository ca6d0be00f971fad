package io.nexus.gateway.config;

/** The launcher's built-in demo echo upstream ({@code nexus.demo}); never for production. */
public record DemoSettings(boolean enabled, String host, int port) {
}
