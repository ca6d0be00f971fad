package io.nexus.gateway.lifecycle;

/** What {@code /readyz} reports: ready only between start-up and the beginning of a drain. */
public enum Readiness {
    STARTING, READY, DRAINING
}
