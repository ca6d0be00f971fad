package io.nexus.gateway.proxy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The route's request timeout for one attempt, in place of the Jetty client's total timeout,
 * which cannot be lifted once the request is sent and so would cut a stream off mid-way. At the
 * call's deadline it aborts the attempt, unless the response is a stream by then: a stream's
 * deadline bounds only its head, and the idle timeouts bound its silences. Cancelled when the
 * attempt completes.
 */
final class AttemptDeadline implements Runnable {

    private final UpstreamCall call;
    private final Request proxyRequest;
    private final long timeoutMillis;

    private AttemptDeadline(UpstreamCall call, Request proxyRequest, long timeoutMillis) {
        this.call = call;
        this.proxyRequest = proxyRequest;
        this.timeoutMillis = timeoutMillis;
    }

    /** Arms the deadline of an attempt about to be sent with what is left of the call's time. */
    static void schedule(UpstreamCall call, Request proxyRequest, Scheduler scheduler) {
        long timeoutMillis = Math.max(1, call.remainingMillis());
        Scheduler.Task task = scheduler.schedule(new AttemptDeadline(call, proxyRequest, timeoutMillis), timeoutMillis, TimeUnit.MILLISECONDS);
        proxyRequest.onComplete(result -> task.cancel());
    }

    @Override
    public void run() {
        if (!call.streaming()) {
            // Jetty's own wording, which the failure classification reads as response_timeout.
            proxyRequest.abort(new TimeoutException("Total timeout " + timeoutMillis + " ms elapsed"));
        }
    }
}
