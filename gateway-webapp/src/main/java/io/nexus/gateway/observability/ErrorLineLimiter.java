package io.nexus.gateway.observability;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Bounds the access log lines of errors the gateway produces, per route and cause, to a rate per
 * second: under an error storm (a spike shed with 503s, an upstream down) one line per refused
 * request would fill disks and take the CPU that serving needs. What is left out is counted and
 * reported by {@link #drain} once a second, one summary per route. Metrics still count every
 * request; only lines are limited.
 */
final class ErrorLineLimiter {

    /** One route and cause's lines in the current second. */
    private static final class Window {
        long second;
        int written;
        final AtomicLong suppressed = new AtomicLong();
    }

    private final Map<String, Map<String, Window>> routes = new ConcurrentHashMap<>();

    /** Whether a line for {@code route} and {@code cause} may be written now; else it is counted as suppressed. */
    boolean admit(String route, String cause, int perSecond, long nowNanos) {
        Window window = routes.computeIfAbsent(route, r -> new ConcurrentHashMap<>()).computeIfAbsent(cause, c -> new Window());
        long second = nowNanos / 1_000_000_000L;
        synchronized (window) {
            if (window.second != second) {
                window.second = second;
                window.written = 0;
            }
            if (window.written < perSecond) {
                window.written++;
                return true;
            }
        }
        window.suppressed.incrementAndGet();
        return false;
    }

    /** Hands each route's suppressed counts by cause (those above zero) to {@code summary}, and resets them. */
    void drain(BiConsumer<String, Map<String, Long>> summary) {
        routes.forEach((route, causes) -> {
            Map<String, Long> left = new TreeMap<>();
            causes.forEach((cause, window) -> {
                long count = window.suppressed.getAndSet(0);
                if (count > 0) {
                    left.put(cause, count);
                }
            });
            if (!left.isEmpty()) {
                summary.accept(route, left);
            }
        });
    }
}
