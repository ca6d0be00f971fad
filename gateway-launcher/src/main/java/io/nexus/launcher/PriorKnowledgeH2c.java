package io.nexus.launcher;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * HTTP/2 without TLS on the public port by prior knowledge only (RFC 9113 §3.3): a connection
 * that opens with the HTTP/2 preface ({@code PRI * HTTP/2.0}) becomes HTTP/2. An HTTP/1.1
 * request's {@code Upgrade: h2c} (RFC 7540 §3.2, removed by RFC 9113) is not honoured: it stays
 * an HTTP/1.1 request, whose {@code Upgrade} the proxy drops as a hop-by-hop header. Honouring it
 * would let a client turn a connection the gateway vetted into a tunnel past the gateway (h2c
 * smuggling, when a front proxy forwards the upgrade), and Jetty's factory honours both.
 */
final class PriorKnowledgeH2c extends HTTP2CServerConnectionFactory {

    PriorKnowledgeH2c(HttpConfiguration http) {
        super(http);
    }

    @Override
    public Connection upgradeConnection(Connector connector, EndPoint endPoint, MetaData.Request request, HttpFields.Mutable response101) {
        if (!HttpMethod.PRI.is(request.getMethod())) {
            return null;
        }
        return super.upgradeConnection(connector, endPoint, request, response101);
    }
}
