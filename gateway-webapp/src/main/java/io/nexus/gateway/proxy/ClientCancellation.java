package io.nexus.gateway.proxy;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;

/**
 * Hears the container report that the client's stream or connection failed while the proxy
 * waits for the upstream, and cancels the upstream call then ({@link UpstreamCall#clientCancelled}).
 * Jetty's proxy only notices a client that left when it next writes to it.
 */
final class ClientCancellation implements AsyncListener {

    private final UpstreamCall call;

    ClientCancellation(UpstreamCall call) {
        this.call = call;
    }

    @Override
    public void onError(AsyncEvent event) {
        call.clientCancelled(event.getThrowable());
    }

    @Override
    public void onComplete(AsyncEvent event) {
        // Nothing to cancel: the exchange is over.
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        // The proxy disables the async timeout.
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // Registered once the cycle started.
    }
}
