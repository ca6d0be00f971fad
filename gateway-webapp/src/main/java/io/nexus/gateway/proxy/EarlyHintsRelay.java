package io.nexus.gateway.proxy;

import org.eclipse.jetty.client.EarlyHintsProtocolHandler;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpFields;

/**
 * Consumes an upstream's {@code 103 Early Hints} so that the final response follows on the same
 * exchange (without a handler Jetty's client would take the 103 for the final answer, and the
 * exchange hangs), and relays its {@code Link} fields to the client when the route forwards them.
 */
public final class EarlyHintsRelay extends EarlyHintsProtocolHandler {

    @Override
    protected void onEarlyHints(Request request, HttpFields fields) {
        if (request.getAttributes().get(GatewayProxyServlet.SERVLET_ATTRIBUTE) instanceof GatewayProxyServlet proxy) {
            proxy.earlyHints(request, fields);
        }
    }
}
