package io.nexus.launcher;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.atomic.LongAdder;
import net.logstash.logback.appender.listener.AppenderListener;

/**
 * Counts the log events an async appender dropped because its ring buffer was full, for
 * {@code nexus_log_events_dropped_total}. Listens to logstash-logback-encoder's
 * {@code LoggingEventAsyncDisruptorAppender} (the access log's in logback.xml), which drops
 * instead of making a request thread wait on a slow stdout. Public, with a public constructor,
 * for logback.xml.
 */
public final class DroppedLogEvents implements AppenderListener<ILoggingEvent> {

    // Every listener of the JVM adds here: the metric counts all async appenders together.
    private static final LongAdder DROPPED = new LongAdder();

    /** Events dropped by every listened appender in this JVM since start-up. */
    public static long count() {
        return DROPPED.sum();
    }

    /** Exposes {@link #count()} as {@code nexus_log_events_dropped_total} in a gateway's registry. */
    static void register(PrometheusRegistry registry) {
        CounterWithCallback.builder()
            .name("nexus_log_events_dropped_total")
            .help("Log events dropped because an async appender's queue was full (the access log's, by default).")
            .callback(callback -> callback.call(count()))
            .register(registry);
    }

    @Override
    public void eventAppendFailed(Appender<ILoggingEvent> appender, ILoggingEvent event, Throwable reason) {
        // Called on the logging thread; only a full ring buffer fails an append of this appender.
        DROPPED.increment();
    }
}
