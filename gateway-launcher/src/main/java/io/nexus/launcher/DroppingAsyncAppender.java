package io.nexus.launcher;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Iterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Hands events to its appenders on a thread of its own through a bounded queue, and drops (and
 * counts) what does not fit instead of making the logging thread wait: a request thread never
 * blocks on a slow stdout. Logback's own {@code AsyncAppender} with {@code neverBlock} drops
 * too but cannot tell how many; {@link #dropped()} feeds {@code nexus_log_events_dropped_total}.
 */
public final class DroppingAsyncAppender extends UnsynchronizedAppenderBase<ILoggingEvent> implements AppenderAttachable<ILoggingEvent> {

    private static final LongAdder DROPPED = new LongAdder();
    private static final long STOP_FLUSH_MILLIS = 1000;

    private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();
    private int queueSize = 8192;
    private BlockingQueue<ILoggingEvent> queue;
    private Thread worker;

    /** Events dropped by every instance in this JVM since start-up. */
    public static long dropped() {
        return DROPPED.sum();
    }

    /** Exposes {@link #dropped()} as {@code nexus_log_events_dropped_total} in a gateway's registry. */
    static void register(PrometheusRegistry registry) {
        CounterWithCallback.builder()
            .name("nexus_log_events_dropped_total")
            .help("Log events dropped because an async appender's queue was full (the access log's, by default).")
            .callback(callback -> callback.call(dropped()))
            .register(registry);
    }

    /** Set from logback.xml ({@code <queueSize>}); at least 1. */
    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    @Override
    public void start() {
        if (queueSize < 1) {
            addError("queueSize must be at least 1, was " + queueSize);
            return;
        }
        if (!appenders.iteratorForAppenders().hasNext()) {
            addError("no appender-ref: nothing to hand events to");
            return;
        }
        queue = new ArrayBlockingQueue<>(queueSize);
        worker = new Thread(this::drain, "nexus-log-" + getName());
        worker.setDaemon(true);
        super.start();
        worker.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        // The values must be fixed now: the worker formats later, on another thread.
        event.prepareForDeferredProcessing();
        if (!queue.offer(event)) {
            DROPPED.increment();
        }
    }

    private void drain() {
        try {
            while (isStarted() || !queue.isEmpty()) {
                ILoggingEvent event = queue.poll(100, TimeUnit.MILLISECONDS);
                if (event != null) {
                    appenders.appendLoopOnAppenders(event);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        try {
            worker.join(STOP_FLUSH_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        worker.interrupt();
        appenders.detachAndStopAllAppenders();
    }

    @Override
    public void addAppender(Appender<ILoggingEvent> appender) {
        appenders.addAppender(appender);
    }

    @Override
    public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
        return appenders.iteratorForAppenders();
    }

    @Override
    public Appender<ILoggingEvent> getAppender(String name) {
        return appenders.getAppender(name);
    }

    @Override
    public boolean isAttached(Appender<ILoggingEvent> appender) {
        return appenders.isAttached(appender);
    }

    @Override
    public void detachAndStopAllAppenders() {
        appenders.detachAndStopAllAppenders();
    }

    @Override
    public boolean detachAppender(Appender<ILoggingEvent> appender) {
        return appenders.detachAppender(appender);
    }

    @Override
    public boolean detachAppender(String name) {
        return appenders.detachAppender(name);
    }
}
