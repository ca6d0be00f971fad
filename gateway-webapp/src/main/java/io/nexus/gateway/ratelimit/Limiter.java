package io.nexus.gateway.ratelimit;

/** Counts a route's requests under their keys: in this process, or in Redis for the whole fleet. */
interface Limiter {

    /**
     * Counts a request for {@code key} if the limit allows it.
     *
     * @return when allowed, the requests still allowed now ({@code >= 0}); when refused,
     *     {@code -1 - wait}, the nanoseconds until one more request of the key fits
     *     ({@link SlidingWindowLimiter#retryAfterNanos})
     */
    long acquire(String key, int limit);

    /** Nanoseconds until the current window ends. */
    long nanosToWindowEnd();
}
