package io.nexus.gateway.proxy;

import io.nexus.gateway.exchange.Grpc;
import io.nexus.gateway.routing.Route;
import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.client.Request;

/**
 * A gRPC call's deadline on its way upstream. When the client's {@code grpc-timeout} is what
 * bounds the call (no longer than the route's request timeout, so the routing filter made it
 * the exchange's deadline), the upstream gets the time actually left, the time spent in the
 * gateway taken off, as a gRPC proxy should; otherwise the header goes on as the client sent it
 * (the route's timeout bounds only the head of a stream, and must not end it upstream).
 */
final class GrpcDeadline {

    private GrpcDeadline() {
    }

    static void forward(HttpServletRequest clientRequest, Route route, UpstreamCall call, Request proxyRequest) {
        String timeout = clientRequest.getHeader(Grpc.TIMEOUT);
        if (timeout == null || !Grpc.isCall(clientRequest)) {
            return;
        }
        long requested = Grpc.timeoutMillis(timeout);
        if (requested > 0 && requested <= route.requestTimeoutMillis()) {
            String left = Grpc.timeoutValue(Math.max(1, call.remainingMillis()));
            proxyRequest.headers(headers -> headers.put(Grpc.TIMEOUT, left));
        }
    }
}
