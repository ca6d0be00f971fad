package io.nexus.gateway.config;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * One entry of {@code nexus.middleware-settings}: a middleware's priority override and its own
 * settings, as the middleware read them. Two entries are equal when the file says the same
 * (name, priority, values), whatever objects the middleware made of them: so a reload that
 * leaves them alone keeps the routes' running chains.
 */
public final class MiddlewareSettings {

    private final String name;
    private final OptionalInt priority;
    private final Map<String, Object> values;
    private final Object read;

    MiddlewareSettings(String name, OptionalInt priority, Map<String, Object> values, Object read) {
        this.name = name;
        this.priority = priority;
        this.values = Map.copyOf(values);
        this.read = read;
    }

    public String name() {
        return name;
    }

    /** {@code priority}, when the file overrides the middleware's default. */
    public OptionalInt priority() {
        return priority;
    }

    /** Whether the file has a block for the middleware (a route may run one without). */
    public boolean written() {
        return !values.isEmpty();
    }

    /** What {@link MiddlewareCatalog#readSettings} returned; {@code null} for a middleware without settings. */
    public Object read() {
        return read;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MiddlewareSettings that && name.equals(that.name) && priority.equals(that.priority)
            && values.equals(that.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, priority, values);
    }

    @Override
    public String toString() {
        return "middleware-settings." + name + values;
    }
}
