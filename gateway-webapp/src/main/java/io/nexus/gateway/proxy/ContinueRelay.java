package io.nexus.gateway.proxy;

import org.eclipse.jetty.client.ContinueProtocolHandler;
import org.eclipse.jetty.client.Request;

/**
 * Relays an upstream's {@code 100 Continue} to the client, like the proxy servlet's own
 * handler does for its single client; here one handler serves every upstream's client, and the
 * servlet that sent the request is found in the request's attributes.
 */
public final class ContinueRelay extends ContinueProtocolHandler {

    @Override
    protected Runnable onContinue(Request request) {
        Object servlet = request.getAttributes().get(GatewayProxyServlet.SERVLET_ATTRIBUTE);
        return servlet instanceof GatewayProxyServlet proxy ? proxy.continueAction(request) : null;
    }
}
