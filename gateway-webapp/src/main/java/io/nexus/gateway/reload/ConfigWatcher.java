package io.nexus.gateway.reload;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a config file: a {@link WatchService} on its directory (so that an editor's
 * write-to-temp-and-rename and a Kubernetes ConfigMap's {@code ..data} symlink swap both show
 * as events) and, as a fallback for file systems without events, a check every
 * {@code poll-interval}. Either way the check compares content hashes, so a touch or a
 * duplicate event changes nothing.
 */
final class ConfigWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);
    // Editors write in steps: let a burst of events settle before reading.
    private static final long SETTLE_MILLIS = 50;

    private final WatchService service;
    private final Thread thread;
    private volatile boolean running = true;

    private ConfigWatcher(WatchService service, Path file, Duration pollInterval, Runnable check) {
        this.service = service;
        this.thread = Thread.ofVirtual().name("nexus-config-watcher").unstarted(() -> loop(file, pollInterval, check));
    }

    static ConfigWatcher start(Path file, Duration pollInterval, Runnable check) {
        WatchService service = null;
        Path dir = file.toAbsolutePath().getParent();
        try {
            service = FileSystems.getDefault().newWatchService();
            dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException e) {
            LOG.warn("Cannot watch {} for events ({}); checking it every {} ms instead", dir, e.toString(), pollInterval.toMillis());
        }
        ConfigWatcher watcher = new ConfigWatcher(service, file, pollInterval, check);
        watcher.thread.start();
        LOG.info("Watching {} (events, and a content check every {} ms)", file, pollInterval.toMillis());
        return watcher;
    }

    private void loop(Path file, Duration pollInterval, Runnable check) {
        while (running) {
            try {
                WatchKey key = service == null ? null : service.poll(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
                if (service == null) {
                    Thread.sleep(pollInterval);
                }
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                    Thread.sleep(SETTLE_MILLIS);
                    drain();
                }
                if (running) {
                    check.run();
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("Config check of {} failed", file, e);
            }
        }
    }

    private void drain() {
        WatchKey key;
        while ((key = service.poll()) != null) {
            key.pollEvents();
            key.reset();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        if (service != null) {
            try {
                service.close();
            } catch (IOException e) {
                LOG.debug("Closing the watch service failed", e);
            }
        }
    }
}
