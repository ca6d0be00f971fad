package io.nexus.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.config.RouteSettings.Priority;
import io.nexus.gateway.upstream.UpstreamLoad.Entry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UpstreamLoadTest {

    private static final long NO_DEADLINE = Long.MAX_VALUE;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("upstream-load-test", true);

    @BeforeEach
    void startScheduler() throws Exception {
        scheduler.start();
    }

    @AfterEach
    void stopScheduler() throws Exception {
        scheduler.stop();
    }

    @Test
    void lowIsRefusedAtOnceWhenNoPlaceIsFreeOrAnyoneWaits() throws Exception {
        UpstreamLoad load = new UpstreamLoad(1, 4, 10 * SECOND, () -> scheduler);
        assertThat(load.enter(NO_DEADLINE, Priority.NORMAL)).isEqualTo(Entry.ADMITTED);
        assertThat(load.enter(NO_DEADLINE, Priority.LOW)).isEqualTo(Entry.QUEUE_FULL);
        load.leave();
        assertThat(load.enter(NO_DEADLINE, Priority.LOW)).isEqualTo(Entry.ADMITTED);
        load.leave();
        assertThat(load.active()).isZero();
    }

    @Test
    void highGetsTheNextFreedPlaceBeforeWaitingNormalRequests() throws Exception {
        UpstreamLoad load = new UpstreamLoad(1, 4, 10 * SECOND, () -> scheduler);
        assertThat(load.enter(NO_DEADLINE, Priority.NORMAL)).isEqualTo(Entry.ADMITTED);
        CompletableFuture<Entry> normal = waiting(load, Priority.NORMAL);
        await().atMost(Duration.ofSeconds(5)).until(() -> load.pending() == 1);
        CompletableFuture<Entry> high = waiting(load, Priority.HIGH);
        await().atMost(Duration.ofSeconds(5)).until(() -> load.pending() == 2);

        load.leave();
        assertThat(high.get(5, TimeUnit.SECONDS)).isEqualTo(Entry.ADMITTED);
        assertThat(normal).isNotDone();
        load.leave();
        assertThat(normal.get(5, TimeUnit.SECONDS)).isEqualTo(Entry.ADMITTED);
        load.leave();
        assertThat(load.active()).isZero();
        assertThat(load.pending()).isZero();
    }

    @Test
    void highMayWaitWhenTheQueueIsFullAndTimesOutLikeTheOthers() throws Exception {
        UpstreamLoad load = new UpstreamLoad(1, 1, TimeUnit.MILLISECONDS.toNanos(200), () -> scheduler);
        assertThat(load.enter(NO_DEADLINE, Priority.NORMAL)).isEqualTo(Entry.ADMITTED);
        CompletableFuture<Entry> normal = waiting(load, Priority.NORMAL);
        await().atMost(Duration.ofSeconds(5)).until(() -> load.pending() == 1);
        assertThat(load.enter(NO_DEADLINE, Priority.NORMAL)).isEqualTo(Entry.QUEUE_FULL);
        assertThat(load.enter(NO_DEADLINE, Priority.HIGH)).as("waited, and no place freed up").isEqualTo(Entry.QUEUE_TIMEOUT);
        assertThat(normal.get(5, TimeUnit.SECONDS)).isEqualTo(Entry.QUEUE_TIMEOUT);
        // Nothing was handed to the high request that gave up: the place goes back to everyone.
        load.leave();
        assertThat(load.active()).isZero();
        assertThat(load.enter(NO_DEADLINE, Priority.NORMAL)).isEqualTo(Entry.ADMITTED);
    }

    /** Places are neither lost nor made up when priorities, timeouts and hand-overs race. */
    @Test
    void everyPlaceComesBackUnderConcurrentMixedPriorities() throws Exception {
        int places = 3;
        UpstreamLoad load = new UpstreamLoad(places, 8, TimeUnit.MILLISECONDS.toNanos(2), () -> scheduler);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicInteger inside = new AtomicInteger();
        for (int t = 0; t < 32; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < 300; i++) {
                        Priority priority = Priority.values()[random.nextInt(3)];
                        if (load.enter(NO_DEADLINE, priority) == Entry.ADMITTED) {
                            if (inside.incrementAndGet() > places) {
                                failures.add(new AssertionError("more than " + places + " admitted at once"));
                            }
                            Thread.yield();
                            inside.decrementAndGet();
                            load.leave();
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread thread : threads) {
            assertThat(thread.join(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(failures).isEmpty();
        assertThat(load.active()).isZero();
        assertThat(load.pending()).isZero();
        for (int i = 0; i < places; i++) {
            assertThat(load.enter(NO_DEADLINE, Priority.NORMAL)).isEqualTo(Entry.ADMITTED);
        }
        assertThat(load.enter(0, Priority.NORMAL)).as("no place was made up").isEqualTo(Entry.QUEUE_TIMEOUT);
    }

    @Test
    void waitingRequestsGetFreedPlacesInArrivalOrder() throws Exception {
        UpstreamLoad load = new UpstreamLoad(1, 8, 10 * SECOND, () -> scheduler);
        assertThat(load.enter(NO_DEADLINE, Priority.NORMAL)).isEqualTo(Entry.ADMITTED);
        List<CompletableFuture<Entry>> waiters = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            waiters.add(waiting(load, Priority.NORMAL));
            int joined = i;
            await().atMost(Duration.ofSeconds(5)).until(() -> load.pending() == joined);
        }
        for (CompletableFuture<Entry> first : waiters) {
            load.leave();
            assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(Entry.ADMITTED);
            assertThat(waiters.stream().filter(CompletableFuture::isDone).count()).isEqualTo(waiters.indexOf(first) + 1);
        }
        load.leave();
        assertThat(load.active()).isZero();
    }

    @Test
    void anInterruptedWaiterGivesUpWithoutTakingAPlace() throws Exception {
        UpstreamLoad load = new UpstreamLoad(1, 4, 10 * SECOND, () -> scheduler);
        assertThat(load.enter(NO_DEADLINE, Priority.NORMAL)).isEqualTo(Entry.ADMITTED);
        CompletableFuture<Entry> interrupted = new CompletableFuture<>();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                interrupted.complete(load.enter(NO_DEADLINE, Priority.NORMAL));
            } catch (Throwable e) {
                interrupted.completeExceptionally(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> load.pending() == 1);
        waiter.interrupt();
        assertThat(interrupted).failsWithin(Duration.ofSeconds(5)).withThrowableThat().withCauseInstanceOf(InterruptedException.class);
        load.leave();
        assertThat(load.active()).as("the freed place went to nobody").isZero();
        assertThat(load.pending()).isZero();
    }

    @Test
    void waitersAreShedWhenTheSchedulerHasStopped() throws Exception {
        UpstreamLoad load = new UpstreamLoad(1, 4, 10 * SECOND, () -> scheduler);
        assertThat(load.enter(NO_DEADLINE, Priority.NORMAL)).isEqualTo(Entry.ADMITTED);
        scheduler.stop();
        assertThat(load.enter(NO_DEADLINE, Priority.NORMAL)).as("nobody would shed it at its time").isEqualTo(Entry.QUEUE_TIMEOUT);
        load.leave();
        assertThat(load.active()).isZero();
    }

    private static CompletableFuture<Entry> waiting(UpstreamLoad load, Priority priority) {
        CompletableFuture<Entry> entry = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                entry.complete(load.enter(NO_DEADLINE, priority));
            } catch (Throwable e) {
                entry.completeExceptionally(e);
            }
        });
        return entry;
    }
}
