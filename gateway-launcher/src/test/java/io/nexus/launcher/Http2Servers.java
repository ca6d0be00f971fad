package io.nexus.launcher;

import java.security.KeyStore;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** Jetty upstream servers that speak HTTP/2: cleartext (prior knowledge) or over TLS with ALPN, each next to HTTP/1.1. */
final class Http2Servers {

    private Http2Servers() {
    }

    /** HTTP/1.1 and h2c on 127.0.0.1, port 0. */
    static Server cleartext(Handler handler) {
        Server server = server();
        HttpConfiguration http = new HttpConfiguration();
        server.addConnector(connector(server, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http)));
        server.setHandler(handler);
        return server;
    }

    /**
     * TLS with ALPN (h2, then http/1.1) on 127.0.0.1, port 0.
     *
     * @param clientTrust when not {@code null}, a client certificate signed by one of these is required (mTLS)
     */
    static Server tls(Handler handler, KeyStore keys, KeyStore clientTrust) {
        Server server = server();
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(keys);
        ssl.setKeyStorePassword(new String(PrivateCa.PASSWORD));
        if (clientTrust != null) {
            ssl.setTrustStore(clientTrust);
            ssl.setNeedClientAuth(true);
        }
        HttpConfiguration https = new HttpConfiguration();
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false);
        https.addCustomizer(secure);
        HttpConnectionFactory http1 = new HttpConnectionFactory(https);
        HTTP2ServerConnectionFactory http2 = new HTTP2ServerConnectionFactory(https);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
        alpn.setDefaultProtocol(http1.getProtocol());
        server.addConnector(connector(server, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, http2, http1));
        server.setHandler(handler);
        return server;
    }

    private static Server server() {
        QueuedThreadPool threads = new QueuedThreadPool(32);
        threads.setName("upstream-h2");
        return new Server(threads);
    }

    private static ServerConnector connector(Server server, org.eclipse.jetty.server.ConnectionFactory... factories) {
        ServerConnector connector = new ServerConnector(server, factories);
        connector.setHost("127.0.0.1");
        return connector;
    }
}
