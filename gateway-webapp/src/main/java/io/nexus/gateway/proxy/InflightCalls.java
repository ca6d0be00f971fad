package io.nexus.gateway.proxy;

import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.CyclicTimeouts;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstream calls in flight, their deadlines, and a watchdog for those that slip past them.
 * Each call's route timeout bounds it until the upstream's response head, and a response that is
 * not a stream to its end: at the deadline its attempt is aborted (the client gets 504 while
 * nothing was written to it). A stream is bounded only to its head, then the idle timeouts bound
 * its silences; the Jetty client's own total timeout could not be lifted once the request was
 * sent, so the deadlines are kept here, by Jetty's {@link CyclicTimeouts} as the client keeps its
 * own: one scheduled task for the earliest deadline, nothing scheduled per request.
 *
 * <p>A call still waiting for its head {@link #GRACE_NANOS} after its deadline has slipped
 * through (a lost callback): the watchdog aborts its upstream exchange again, and if even that
 * does not end it, completes the exchange itself, so that its permits are never held for good.
 */
public final class InflightCalls {

    private static final Logger LOG = LoggerFactory.getLogger(InflightCalls.class);
    /** How long past its deadline a call may still be waiting for its response head. */
    static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long SCAN_MILLIS = 1000;

    private final Set<UpstreamCall> calls = ConcurrentHashMap.newKeySet();
    private volatile Scheduler.Task next;
    private volatile boolean running;
    private volatile Deadlines deadlines;

    void add(UpstreamCall call) {
        calls.add(call);
    }

    void remove(UpstreamCall call) {
        calls.remove(call);
    }

    /** Calls in flight now. */
    public int size() {
        return calls.size();
    }

    /** Seconds the oldest call still waiting for its response head has been waiting; 0 with none. */
    public double oldestWaitingSeconds() {
        long now = System.nanoTime();
        long oldest = 0;
        for (UpstreamCall call : calls) {
            if (!call.responseBegun()) {
                oldest = Math.max(oldest, now - call.startNanos());
            }
        }
        return oldest / 1e9;
    }

    /**
     * Ends the streams in flight (the end of a shutdown's drain): each stream's upstream attempt is
     * aborted and its client response completed as it stands, so that the client sees the
     * stream end rather than fail, and an SSE client resumes elsewhere with {@code Last-Event-ID}.
     *
     * @return how many streams were ended
     */
    public int endStreams() {
        int ended = 0;
        for (UpstreamCall call : calls) {
            if (call.streaming() && call.endStream()) {
                ended++;
            }
        }
        return ended;
    }

    /** Starts enforcing deadlines, and scanning every second, on {@code scheduler}. */
    public void start(Scheduler scheduler) {
        running = true;
        deadlines = new Deadlines(scheduler);
        schedule(scheduler);
    }

    /** An attempt of {@code call} goes out: its deadline is enforced from now on (at once when it has passed). */
    void attemptSent(UpstreamCall call) {
        Deadlines current = deadlines;
        if (current != null) {
            current.schedule(call);
        }
    }

    /** The calls' deadlines: wakes up at the earliest, aborts the attempts of the calls past theirs. */
    private final class Deadlines extends CyclicTimeouts<UpstreamCall> {

        Deadlines(Scheduler scheduler) {
            super(scheduler);
        }

        @Override
        protected Iterator<UpstreamCall> iterator() {
            return calls.iterator();
        }

        @Override
        protected boolean onExpired(UpstreamCall call) {
            call.deadlinePassed();
            // Stays registered for the watchdog; its deadline no longer expires.
            return false;
        }
    }

    private void schedule(Scheduler scheduler) {
        if (running) {
            next = scheduler.schedule(() -> {
                try {
                    scan(System.nanoTime());
                } catch (RuntimeException e) {
                    LOG.warn("The stuck-request watchdog failed a scan", e);
                } finally {
                    schedule(scheduler);
                }
            }, SCAN_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    public void stop() {
        running = false;
        Deadlines current = deadlines;
        if (current != null) {
            current.destroy();
        }
        Scheduler.Task task = next;
        if (task != null) {
            task.cancel();
        }
    }

    /** One pass: aborts the calls past their deadline plus the grace; force-completes those still there at the next pass. */
    void scan(long now) {
        for (UpstreamCall call : calls) {
            if (call.responseBegun() || now - call.deadlineNanos() < GRACE_NANOS) {
                continue;
            }
            if (call.abortStuck()) {
                LOG.warn("Aborting a request {} ms past its deadline with no response from upstream {} (route {}, target {})",
                    (now - call.deadlineNanos()) / 1_000_000, call.upstream().name(), call.route().settings().name(), call.target());
            } else {
                LOG.warn("Completing a request the upstream abort did not end (route {}, upstream {})", call.route().settings().name(),
                    call.upstream().name());
                call.forceComplete();
                calls.remove(call);
            }
        }
    }
}
