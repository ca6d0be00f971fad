package io.nexus.gateway.observability;

import io.nexus.gateway.config.ObservabilitySettings;
import io.nexus.gateway.exchange.Exchange;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sampled access log: one line per chosen request, written when its exchange completes, to
 * the SLF4J logger {@value #LOGGER} with the request's fields as key-value pairs (the launcher's
 * Logback config turns them into JSON fields and queues them on a bounded, dropping appender).
 * Every 5xx, every retried and every slow request and, when configured, every 4xx is written; the rest at the
 * configured ratio. The decision is a few comparisons and a thread-local random number: no lock,
 * no allocation for requests that are not written.
 */
public final class AccessLog {

    /** The logger the lines go to; route it to its own appender to keep it off the request path. */
    public static final String LOGGER = "nexus.access";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    // The policy of the settings last seen; a reload brings a new settings object, which is
    // noticed by identity. Two requests racing on a change both build one: harmless.
    private volatile Policy policy = new Policy(ObservabilitySettings.DEFAULTS.accessLog());
    private final ErrorLineLimiter errorLines = new ErrorLineLimiter();

    /**
     * Writes the request when the policy chooses it.
     *
     * @param settings the settings of the snapshot the request ran on, {@code null} for the defaults
     * @param traceId the request's trace id, {@code null} without tracing
     * @param route the route name, or {@code unmatched}
     * @param upstream the upstream name, {@code null} when the request had no route
     * @param cause the contract's cause of an error the gateway answered (or of a client gone), else {@code null}
     * @param durationNanos from the request's arrival to the end of its response (of a stream: its whole life)
     * @param responseBytes body bytes relayed from the upstream to the client
     * @param attempts attempts sent upstream, 0 when none went out
     * @param retryCause the cause of the last attempt that was retried, {@code null} when none was
     */
    public void record(ObservabilitySettings.AccessLog settings, String requestId, String traceId, String method, String path,
                       String route, String upstream, String clientAddress, int status, String cause, long durationNanos,
                       long responseBytes, int attempts, String retryCause) {
        Policy current = policy;
        if (settings != null && current.settings != settings) {
            current = new Policy(settings);
            policy = current;
        }
        String reason = current.reason(status, durationNanos, retryCause != null);
        if (reason == null || !LOG.isInfoEnabled()) {
            return;
        }
        if (cause != null && reason.equals("error") && !errorLines.admit(route, cause, current.maxErrorLines, System.nanoTime())) {
            return;
        }
        double millis = Math.round(durationNanos / 1e3) / 1e3;
        LOG.atInfo()
            .addKeyValue("request_id", requestId)
            .addKeyValue("trace_id", traceId)
            .addKeyValue("method", method)
            .addKeyValue("path", path)
            .addKeyValue("route", route)
            .addKeyValue("upstream", upstream)
            .addKeyValue("status", status)
            .addKeyValue("cause", cause)
            .addKeyValue("duration_ms", millis)
            .addKeyValue("response_bytes", responseBytes)
            .addKeyValue("attempts", attempts)
            .addKeyValue("retry_cause", retryCause)
            .addKeyValue("client_address", clientAddress)
            .addKeyValue("sampled", reason)
            .log("{} {} {} {}ms", method, path, status, millis);
    }

    /**
     * Writes one summary line per route whose error lines were limited since the last call,
     * with the counts left out by cause; the gateway calls it once a second.
     */
    public void flushSuppressed() {
        errorLines.drain((route, suppressed) -> LOG.atInfo()
            .addKeyValue("route", route)
            .addKeyValue("suppressed", suppressed)
            .log("{} error lines of route {} left out: {}", suppressed.values().stream().mapToLong(Long::longValue).sum(), route, suppressed));
    }

    /** One settings object turned into what the per-request decision compares against. */
    static final class Policy {

        final ObservabilitySettings.AccessLog settings;
        private final boolean enabled;
        private final boolean clientErrors;
        private final long slowNanos;
        private final double ratio;
        final int maxErrorLines;

        Policy(ObservabilitySettings.AccessLog settings) {
            this.settings = settings;
            this.enabled = settings.enabled();
            this.clientErrors = settings.logClientErrors();
            this.slowNanos = settings.slowThreshold().toNanos();
            this.ratio = settings.sampleRatio();
            this.maxErrorLines = settings.maxErrorLinesPerSecond();
        }

        /** Why the request is written ({@code error}, {@code retried}, {@code slow}, {@code ratio}), or {@code null}. */
        String reason(int status, long durationNanos, boolean retried) {
            if (!enabled) {
                return null;
            }
            // Status 0: the response never got one; 499: the client left. Both are logged as errors.
            if (status >= 500 || status == 0 || status == Exchange.CLIENT_CLOSED_REQUEST || (clientErrors && status >= 400)) {
                return "error";
            }
            // Retries are rare (the budget bounds them) and say a target failed: each is worth a line.
            if (retried) {
                return "retried";
            }
            if (durationNanos >= slowNanos) {
                return "slow";
            }
            if (ratio >= 1 || (ratio > 0 && ThreadLocalRandom.current().nextDouble() < ratio)) {
                return "ratio";
            }
            return null;
        }
    }
}
