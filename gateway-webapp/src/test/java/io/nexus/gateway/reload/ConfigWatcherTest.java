package io.nexus.gateway.reload;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigWatcherTest {

    @TempDir
    Path dir;
    Scheduler scheduler;
    final Executor executor = command -> Thread.ofVirtual().name("test-config-check").start(command);

    @BeforeEach
    void startScheduler() throws Exception {
        scheduler = new ScheduledExecutorScheduler("test-scheduler", true);
        scheduler.start();
    }

    @AfterEach
    void stopScheduler() throws Exception {
        scheduler.stop();
    }

    private ConfigWatcher watch(Path file, Duration pollInterval, BooleanSupplier check) {
        return ConfigWatcher.start(file, pollInterval, check, scheduler, executor);
    }

    private static BooleanSupplier counting(AtomicInteger checks) {
        return () -> {
            checks.incrementAndGet();
            return true;
        };
    }

    @Test
    void checksOnEveryPollIntervalEvenWithoutFileEvents() throws Exception {
        Path file = Files.writeString(dir.resolve("gateway.conf"), "nexus {}");
        AtomicInteger checks = new AtomicInteger();
        try (ConfigWatcher watcher = watch(file, Duration.ofMillis(100), counting(checks))) {
            // Nothing touches the file: only the periodic fallback can run the check.
            await().atMost(Duration.ofSeconds(5)).until(() -> checks.get() >= 3);
        }
    }

    @Test
    void aFileEventTriggersACheckBeforeThePollWould() throws Exception {
        Path file = Files.writeString(dir.resolve("gateway.conf"), "nexus {}");
        AtomicInteger checks = new AtomicInteger();
        try (ConfigWatcher watcher = watch(file, Duration.ofMinutes(10), counting(checks))) {
            Files.writeString(file, "nexus { config.watch = true }");
            await().atMost(Duration.ofSeconds(5)).until(() -> checks.get() >= 1);
        }
    }

    @Test
    void closeStopsChecking() throws Exception {
        Path file = Files.writeString(dir.resolve("gateway.conf"), "nexus {}");
        AtomicInteger checks = new AtomicInteger();
        ConfigWatcher watcher = watch(file, Duration.ofMillis(50), counting(checks));
        await().atMost(Duration.ofSeconds(5)).until(() -> checks.get() >= 1);
        watcher.close();
        int after = checks.get();
        // Six poll intervals without a check (one already under way may still finish).
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> checks.get() <= after + 1);
    }

    @Test
    void aCheckThatIsNotSettledRunsAgainShortly() throws Exception {
        Path file = Files.writeString(dir.resolve("gateway.conf"), "nexus {}");
        AtomicInteger checks = new AtomicInteger();
        // The first check reports content that has not read the same twice yet.
        try (ConfigWatcher watcher = watch(file, Duration.ofMinutes(10), () -> checks.incrementAndGet() > 1)) {
            Files.writeString(file, "nexus { config.watch = true }");
            await().atMost(Duration.ofSeconds(5)).until(() -> checks.get() >= 2);
        }
    }
}
