package io.nexus.gateway.reload;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a config file: a {@link WatchService} on its directory (so that an editor's
 * write-to-temp-and-rename and a Kubernetes ConfigMap's {@code ..data} symlink swap both show
 * as events) and, as a fallback for file systems without events, a check every
 * {@code poll-interval}. Either way the check compares content hashes, so a touch or a
 * duplicate event changes nothing.
 *
 * <p>No thread of its own: every {@value #TICK_MILLIS} ms the gateway's scheduler polls the
 * watch service without blocking. The JDK already runs a thread behind each watch service
 * (inotify's reader on Linux, a polling thread elsewhere) that queues the events; a second
 * thread of ours blocked on that queue would add nothing but a thread. A tick that finds events
 * waits for one quiet tick (so a burst of writes settles) before it checks. The check itself
 * reads the file and may apply a new config, which blocks for as long as a reload takes: it runs
 * on the executor, one at a time, never on the scheduler's thread.
 */
final class ConfigWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);
    // How often the scheduler looks for events; also how long a burst of events settles.
    static final long TICK_MILLIS = 50;
    // How soon a check that saw content change runs again, to confirm it reads the same.
    static final long RECHECK_MILLIS = 100;

    private final Path file;
    private final WatchService service;
    private final long pollNanos;
    private final BooleanSupplier check;
    private final Scheduler scheduler;
    private final Executor executor;
    private final AtomicBoolean checking = new AtomicBoolean();
    private volatile boolean running = true;
    private volatile Scheduler.Task tick;
    // Set by a check whose content is not settled yet: the System.nanoTime() to check again at.
    private volatile long recheckAt;
    // Written by ticks only, and ticks never overlap.
    private boolean settling;
    private boolean due;
    private long lastCheck;

    private ConfigWatcher(Path file, WatchService service, Duration pollInterval, BooleanSupplier check, Scheduler scheduler,
                          Executor executor) {
        this.file = file;
        this.service = service;
        this.pollNanos = pollInterval.toNanos();
        this.check = check;
        this.scheduler = scheduler;
        this.executor = executor;
        this.lastCheck = System.nanoTime();
    }

    /**
     * Starts watching.
     *
     * @param check reads the file and applies it when it changed; answers {@code false} when the
     *              content changed but is not settled yet, to be checked again shortly
     * @param executor runs the checks, which may block
     */
    static ConfigWatcher start(Path file, Duration pollInterval, BooleanSupplier check, Scheduler scheduler, Executor executor) {
        WatchService service = null;
        Path dir = file.toAbsolutePath().getParent();
        try {
            service = FileSystems.getDefault().newWatchService();
            dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException e) {
            LOG.warn("Cannot watch {} for events ({}); checking it every {} ms instead", dir, e.toString(), pollInterval.toMillis());
        }
        ConfigWatcher watcher = new ConfigWatcher(file, service, pollInterval, check, scheduler, executor);
        watcher.scheduleTick();
        LOG.info("Watching {} (events, and a content check every {} ms)", file, pollInterval.toMillis());
        return watcher;
    }

    private void scheduleTick() {
        if (running) {
            tick = scheduler.schedule(this::tick, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void tick() {
        if (!running) {
            return;
        }
        try {
            boolean events = service != null && drainEvents();
            if (events) {
                settling = true;
            } else if (settling) {
                settling = false;
                due = true;
            }
            long now = System.nanoTime();
            long recheck = recheckAt;
            if (now - lastCheck >= pollNanos || (recheck != 0 && now - recheck >= 0)) {
                due = true;
            }
            // A check still running leaves this one due for the next tick: no event is lost.
            if (due && checking.compareAndSet(false, true)) {
                due = false;
                lastCheck = now;
                recheckAt = 0;
                try {
                    executor.execute(this::runCheck);
                } catch (RuntimeException e) {
                    checking.set(false);
                    throw e;
                }
            }
        } catch (ClosedWatchServiceException e) {
            return;
        } catch (RuntimeException e) {
            LOG.error("Watching {} failed", file, e);
        }
        scheduleTick();
    }

    private boolean drainEvents() {
        boolean any = false;
        WatchKey key;
        while ((key = service.poll()) != null) {
            key.pollEvents();
            key.reset();
            any = true;
        }
        return any;
    }

    private void runCheck() {
        try {
            if (running && !check.getAsBoolean()) {
                recheckAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RECHECK_MILLIS);
            }
        } catch (RuntimeException e) {
            LOG.error("Config check of {} failed", file, e);
        } finally {
            checking.set(false);
        }
    }

    @Override
    public void close() {
        running = false;
        Scheduler.Task task = tick;
        if (task != null) {
            task.cancel();
        }
        if (service != null) {
            try {
                service.close();
            } catch (IOException e) {
                LOG.debug("Closing the watch service failed", e);
            }
        }
    }
}
