package io.nexus.gateway.concurrency;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.VegasLimit;
import com.netflix.concurrency.limits.limit.WindowedLimit;
import io.nexus.gateway.config.AdaptiveConcurrencySettings;
import io.nexus.gateway.exchange.Exchange;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The gateway's admission limit as a Netflix concurrency-limits algorithm moves it (Gradient2 or
 * Vegas), kept within {@code [min-limit, max-limit]}.
 *
 * <p>Samples reach the algorithm through the library's {@link WindowedLimit}: a request's sample
 * is one compare-and-set on the current window (an immutable object, replaced per sample); only
 * the request that closes a window (at least {@value #WINDOW_SAMPLES} samples and
 * {@value #MIN_WINDOW_MILLIS} ms, twice the lowest latency in it, at most {@value #MAX_WINDOW_MILLIS} ms) takes the
 * algorithm's lock, with {@code tryLock}, and hands it the window's average latency, its highest
 * in-flight count and whether anything in it was dropped. So no request waits on another, and the
 * algorithm sees averages instead of single noisy samples.
 *
 * <p>Windows last at most {@value #MAX_WINDOW_MILLIS} ms (the library's default is a second):
 * Gradient2 lowers the limit by at most 10% per window, and under overload, when latencies are
 * long, second-long windows took it half a minute to come down from a high start.
 */
public final class AdaptiveLimit {

    static final int WINDOW_SAMPLES = 10;
    static final long MIN_WINDOW_MILLIS = 100;
    static final long MAX_WINDOW_MILLIS = 250;
    private final Limit algorithm;
    private final int minLimit;
    private final int maxLimit;

    private AdaptiveLimit(Limit algorithm, int minLimit, int maxLimit) {
        this.algorithm = algorithm;
        this.minLimit = minLimit;
        this.maxLimit = maxLimit;
    }

    /** The limit the settings name, starting at their {@code initial-limit}. */
    public static AdaptiveLimit of(AdaptiveConcurrencySettings settings) {
        Limit algorithm = switch (settings.algorithm()) {
            case GRADIENT2 -> Gradient2Limit.newBuilder()
                .initialLimit(settings.initialLimit())
                .minLimit(settings.minLimit())
                .maxConcurrency(settings.maxLimit())
                .build();
            // Vegas has no minimum of its own: limit() applies min-limit.
            case VEGAS -> VegasLimit.newBuilder()
                .initialLimit(settings.initialLimit())
                .maxConcurrency(settings.maxLimit())
                .build();
        };
        WindowedLimit windowed = WindowedLimit.newBuilder()
            .windowSize(WINDOW_SAMPLES)
            .minWindowTime(MIN_WINDOW_MILLIS, TimeUnit.MILLISECONDS)
            .maxWindowTime(MAX_WINDOW_MILLIS, TimeUnit.MILLISECONDS)
            .build(algorithm);
        return new AdaptiveLimit(windowed, settings.minLimit(), settings.maxLimit());
    }

    /** The current limit: requests that may be in flight at once. */
    public int limit() {
        return clamp(algorithm.getLimit());
    }

    /** Calls {@code listener} with each new limit, on the thread of the sample that moved it. */
    public void onChange(IntConsumer listener) {
        algorithm.notifyOnChange(limit -> listener.accept(clamp(limit)));
    }

    /**
     * The sample of a request admitted now with {@code inflight} requests in flight (itself
     * included); it releases {@code permit} when the exchange completes.
     */
    public LatencySample admitted(Exchange exchange, Exchange.Lease permit, int inflight) {
        return new LatencySample(this, exchange, permit, System.nanoTime(), inflight);
    }

    void sample(long startNanos, long rttNanos, int inflight, boolean dropped) {
        algorithm.onSample(startNanos, rttNanos, inflight, dropped);
    }

    private int clamp(int limit) {
        return Math.clamp(limit, minLimit, maxLimit);
    }
}
