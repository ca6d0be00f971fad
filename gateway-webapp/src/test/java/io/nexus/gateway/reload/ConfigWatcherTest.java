package io.nexus.gateway.reload;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigWatcherTest {

    @TempDir
    Path dir;

    @Test
    void checksOnEveryPollIntervalEvenWithoutFileEvents() throws Exception {
        Path file = Files.writeString(dir.resolve("gateway.conf"), "nexus {}");
        AtomicInteger checks = new AtomicInteger();
        try (ConfigWatcher watcher = ConfigWatcher.start(file, Duration.ofMillis(100), checks::incrementAndGet)) {
            // Nothing touches the file: only the periodic fallback can run the check.
            await().atMost(Duration.ofSeconds(5)).until(() -> checks.get() >= 3);
        }
    }

    @Test
    void aFileEventTriggersACheckBeforeThePollWould() throws Exception {
        Path file = Files.writeString(dir.resolve("gateway.conf"), "nexus {}");
        AtomicInteger checks = new AtomicInteger();
        try (ConfigWatcher watcher = ConfigWatcher.start(file, Duration.ofMinutes(10), checks::incrementAndGet)) {
            Files.writeString(file, "nexus { config.watch = true }");
            await().atMost(Duration.ofSeconds(5)).until(() -> checks.get() >= 1);
        }
    }

    @Test
    void closeStopsChecking() throws Exception {
        Path file = Files.writeString(dir.resolve("gateway.conf"), "nexus {}");
        AtomicInteger checks = new AtomicInteger();
        ConfigWatcher watcher = ConfigWatcher.start(file, Duration.ofMillis(50), checks::incrementAndGet);
        await().atMost(Duration.ofSeconds(5)).until(() -> checks.get() >= 1);
        watcher.close();
        int after = checks.get();
        // Six poll intervals without a check (one already under way may still finish).
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> checks.get() <= after + 1);
    }
}
