package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DroppingAsyncAppenderTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder().build();

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

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
        LoggerContext context = new LoggerContext();
        // Events read the MDC when they are prepared for the worker thread.
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        StuckAppender stuck = new StuckAppender();
        stuck.setContext(context);
        stuck.start();
        DroppingAsyncAppender async = new DroppingAsyncAppender();
        async.setContext(context);
        async.setName("test");
        async.setQueueSize(2);
        async.addAppender(stuck);
        async.start();
        long droppedBefore = DroppingAsyncAppender.dropped();
        try {
            // Ten appends against a stuck writer return at once: they never wait for it.
            CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 10; i++) {
                    async.doAppend(new LoggingEvent("test", context.getLogger("test"), Level.INFO, "event " + i, null, null));
                }
            }).get(2, TimeUnit.SECONDS);
            // The worker holds at most one event and the queue two: seven or eight are dropped.
            long dropped = DroppingAsyncAppender.dropped() - droppedBefore;
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
    void droppedEventsAreAGatewayMetric() throws Exception {
        TestGateway gateway = nexus.startGateway("nexus {}");
        assertThat(gateway.metrics()).contains("# HELP nexus_log_events_dropped_total ").contains("nexus_log_events_dropped_total ");
    }
}
