package io.nexus.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.UpstreamSettings;
import io.nexus.gateway.testing.RecordingUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.junit.jupiter.api.Test;

class UpstreamClientsTest {

    /**
     * On virtual threads (an executor that is not a sized pool) Jetty's default buffer pool keeps
     * 2 buffers per size on one core: nearly every response then allocated a direct buffer. The
     * upstream's client keeps one per connection it may open.
     */
    @Test
    void theBufferPoolKeepsABufferPerConnectionOnVirtualThreads() throws Exception {
        UpstreamSettings settings = ConfigLoader.parse("""
            nexus.upstreams.backend { targets = ["http://127.0.0.1:1"], max-connections-per-target = 64 }
            """, "gateway.conf", Map.of()).upstreams().get("backend");
        VirtualThreadPool threads = new VirtualThreadPool(0);
        threads.start();
        try (RecordingUpstream upstream = RecordingUpstream.start("up")) {
            HttpClient client = new UpstreamClients(threads, null, List.of()).start(settings);
            try {
                ContentResponse response = client.GET(upstream.url() + "/x");
                assertThat(response.getStatus()).isEqualTo(200);
                ArrayByteBufferPool pool = (ArrayByteBufferPool) client.getByteBufferPool();
                assertThat(pool.poolFor(4096, true).getMaxSize()).isEqualTo(64);
                // The response's network buffer went back to the pool, not to the garbage collector.
                assertThat(pool.getAvailableDirectByteBufferCount()).isPositive();
            } finally {
                client.stop();
            }
        } finally {
            threads.stop();
        }
    }

    /**
     * The JDK's trust store is loaded when a client first needs TLS, not when it starts (a
     * fifth of a one-CPU start-up was spent loading it for clients that never used it).
     */
    @Test
    void aClientBuildsItsDefaultTlsContextOnItsFirstTlsConnection() throws Exception {
        UpstreamSettings settings = ConfigLoader.parse("""
            nexus.upstreams.plain { targets = ["http://127.0.0.1:1"] }
            """, "gateway.conf", Map.of()).upstreams().get("plain");
        HttpClient client = new UpstreamClients(null, null, List.of()).start(settings);
        try {
            var tls = (LazyTlsClientConnector.OnFirstUse) client.getContainedBeans(ClientConnector.class).iterator().next().getSslContextFactory();
            assertThat(tls.loaded()).isFalse();

            SSLEngine engine = tls.newSSLEngine("example.org", 443);
            assertThat(tls.loaded()).isTrue();
            assertThat(engine.getPeerHost()).isEqualTo("example.org");

            // Stopped with its client and started again: built again on its first engine.
            tls.stop();
            assertThat(tls.loaded()).isFalse();
            tls.start();
            assertThat(tls.newSSLEngine("example.org", 443)).isNotNull();
            assertThat(tls.loaded()).isTrue();
        } finally {
            client.stop();
        }
    }

    /** TLS files of an upstream are read whatever its targets: one that does not parse fails the upstream (and the config). */
    @Test
    void anUpstreamsTlsFilesAreReadEvenWithHttpTargetsOnly() throws Exception {
        Path garbage = Files.writeString(Files.createTempDirectory("nexus-tls").resolve("garbage-ca.pem"), "not a certificate\n");
        UpstreamSettings settings = ConfigLoader.parse("""
            nexus.upstreams.plain { targets = ["http://127.0.0.1:1"], tls { ca-file = "%s" } }
            """.formatted(garbage), "gateway.conf", Map.of()).upstreams().get("plain");
        assertThatThrownBy(() -> new UpstreamClients(null, null, List.of()).start(settings)).hasMessageContaining("No certificate data found");
    }
}
