package io.nexus.gateway.spi;

/** A monotonic counter a plugin increments; lock-free, cheap enough for every request. */
@FunctionalInterface
public interface PluginCounter {

    void increment();
}
