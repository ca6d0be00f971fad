package io.nexus.gateway.config;

/** How the configuration itself is handled ({@code nexus.config}). */
public record ConfigSettings(boolean watch, int maxHistory) {
}
