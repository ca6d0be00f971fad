package io.nexus.gateway.proxy;

import org.eclipse.jetty.client.ProcessingProtocolHandler;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpFields;

/**
 * Consumes every other interim response an upstream sends before its final one: {@code 102
 * Processing} and any 1xx without a meaning here (RFC 9110 §15.2: a client must accept and may
 * ignore them). {@code 100 Continue} and {@code 101} have handlers of their own; {@code 103} is
 * {@link EarlyHintsRelay}'s. An interim response never replaces or delays the final one.
 */
public final class InterimConsumer extends ProcessingProtocolHandler {

    @Override
    public boolean accept(Request request, Response response) {
        int status = response.getStatus();
        return status >= 102 && status < 200 && status != 103;
    }

    @Override
    protected void onProcessing(Request request, HttpFields fields) {
        // Nothing to relay: the final response follows.
    }
}
