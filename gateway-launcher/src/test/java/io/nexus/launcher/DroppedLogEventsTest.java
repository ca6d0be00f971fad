package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.logstash.logback.appender.LoggingEventAsyncDisruptorAppender;
import org.junit.jupiter.api.Test;

class DroppedLogEventsTest {

    /** An appender as slow as a blocked stdout: it waits until released. */
    static final class StuckAppender extends AppenderBase<ILoggingEvent> {
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> written = new CopyOnWriteArrayList<>();

        @Override
        protected void append(ILoggingEvent event) {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            written.add(event.getFormattedMessage());
        }
    }

    private static LoggerContext context() {
        LoggerContext context = new LoggerContext();
        // Events read the MDC when they are prepared for the appender's thread.
        context.setMDCAdapter(new LogbackMDCAdapter());
        return context;
    }

    private static StuckAppender stuck(LoggerContext context) {
        StuckAppender stuck = new StuckAppender();
        stuck.setContext(context);
        stuck.setName("stuck");
        stuck.start();
        return stuck;
    }

    @Test
    void aFullBufferDropsAndCountsInsteadOfBlocking() {
        LoggerContext context = context();
        StuckAppender stuck = stuck(context);
        LoggingEventAsyncDisruptorAppender async = new LoggingEventAsyncDisruptorAppender();
        async.setContext(context);
        async.setName("test");
        async.setRingBufferSize(2);
        async.setAddDefaultStatusListener(false);
        async.addListener(new DroppedLogEvents());
        async.addAppender(stuck);
        async.start();
        long droppedBefore = DroppedLogEvents.count();
        try {
            long started = System.nanoTime();
            for (int i = 0; i < 10; i++) {
                async.doAppend(new LoggingEvent("test", context.getLogger("test"), Level.INFO, "event " + i, null, null));
            }
            // Ten appends against a stuck writer return at once.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
            // The ring holds two events, the one being written included: eight are dropped.
            long dropped = DroppedLogEvents.count() - droppedBefore;
            assertThat(dropped).isBetween(7L, 8L);
            stuck.release.countDown();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(stuck.written).hasSize((int) (10 - dropped)));
            assertThat(stuck.written.get(0)).isEqualTo("event 0");
        } finally {
            stuck.release.countDown();
            async.stop();
            context.stop();
        }
    }

    @Test
    void theShippedAccessLogDropsAndCountsWhenStdoutIsStuck() throws Exception {
        LoggerContext context = context();
        JsonLogging.install(context);
        Logger access = context.getLogger("nexus.access");
        LoggingEventAsyncDisruptorAppender async = (LoggingEventAsyncDisruptorAppender) access.getAppender("ACCESS");
        assertThat(async.isStarted()).isTrue();
        assertThat(async.getAppendTimeout().getMilliseconds()).isZero();
        assertThat(async.isAddDefaultStatusListener()).isFalse();
        // stdout stops being read: the real JSON appender is swapped for a stuck one.
        StuckAppender stuck = stuck(context);
        async.detachAppender("JSON");
        async.addAppender(stuck);
        long droppedBefore = DroppedLogEvents.count();
        try {
            long started = System.nanoTime();
            for (int i = 0; i < async.getRingBufferSize() + 100; i++) {
                access.info("GET /x 200");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertThat(DroppedLogEvents.count() - droppedBefore).isEqualTo(100);
        } finally {
            stuck.release.countDown();
            context.stop();
        }
    }

    @Test
    void droppedEventsAreAGatewayMetric() throws Exception {
        try (TestGateway gateway = TestGateway.start("nexus {}")) {
            assertThat(gateway.metrics()).contains("# HELP nexus_log_events_dropped_total ").contains("nexus_log_events_dropped_total ");
        }
    }
}
