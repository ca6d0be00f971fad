package io.nexus.gateway.admin;

/** What {@code /readyz} reports: ready only between start-up and the beginning of a drain. */
public enum Readiness {
    STARTING, READY, DRAINING
}
