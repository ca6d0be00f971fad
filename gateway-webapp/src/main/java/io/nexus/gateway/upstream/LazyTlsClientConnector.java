package io.nexus.gateway.upstream;

import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * A client connector whose default TLS context is built on its first TLS connection, not when it
 * starts. Jetty's connector builds one at start, which loads the JDK's trust store: ~40 ms of a
 * one-CPU start-up for each client (docs/performance.md, "Start-up on one CPU"), spent before the gateway
 * is ready and, for an upstream whose targets are all http or a WebSocket client that no route
 * uses, for nothing. A connector given a context of its own ({@link #setSslContextFactory})
 * uses that one as Jetty's does.
 */
public final class LazyTlsClientConnector extends ClientConnector {

    @Override
    protected SslContextFactory.Client newSslContextFactory() {
        return new OnFirstUse();
    }

    /** Jetty's client context, started (trust store loaded) by the first engine asked of it. */
    static final class OnFirstUse extends SslContextFactory.Client {

        private volatile boolean loaded;

        @Override
        protected void doStart() {
            // Deferred to the first engine: see the class comment.
        }

        @Override
        protected synchronized void doStop() throws Exception {
            if (loaded) {
                super.doStop();
                // A restart builds it again on its first engine.
                loaded = false;
            }
        }

        @Override
        public SSLEngine newSSLEngine() {
            load();
            return super.newSSLEngine();
        }

        @Override
        public SSLEngine newSSLEngine(String host, int port) {
            load();
            return super.newSSLEngine(host, port);
        }

        boolean loaded() {
            return loaded;
        }

        private void load() {
            if (loaded) {
                return;
            }
            synchronized (this) {
                if (!loaded) {
                    try {
                        super.doStart();
                    } catch (Exception e) {
                        throw new IllegalStateException("the JDK's default TLS context could not be built: " + e.getMessage(), e);
                    }
                    loaded = true;
                }
            }
        }
    }
}
