package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.nexus.gateway.lifecycle.GatewayContextListener;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, finding 7: the webapp as a servlet container deploys it (the listener of
 * {@code web.xml} in a context of a plain Jetty server, on all interfaces), where
 * {@code /_nexus} shares the public port. {@code WarInJettyIT} runs the real WAR in a Jetty
 * distribution.
 */
class WarModeTest {

    private static final String TOKEN = "war-admin-token-0123456789";

    @TempDir
    Path dir;
    Server server;
    HttpClient client;

    @BeforeEach
    void startClient() throws Exception {
        client = new HttpClient();
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        client.stop();
        if (server != null) {
            server.stop();
        }
        System.clearProperty("nexus.config");
        System.clearProperty("nexus.last-known-good");
    }

    /** A Jetty server on 0.0.0.0 with the webapp's listener; {@code config == null}: the WAR's bundled default. */
    private int deploy(String config) throws Exception {
        System.setProperty("nexus.last-known-good", "off");
        if (config != null) {
            Path file = dir.resolve("gateway.conf");
            Files.writeString(file, config);
            System.setProperty("nexus.config", file.toString());
        }
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("0.0.0.0");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addEventListener(new GatewayContextListener());
        server.setHandler(context);
        server.start();
        return connector.getLocalPort();
    }

    private ContentResponse get(String host, int port, String path, String token) throws Exception {
        var request = client.newRequest("http://" + host + ":" + port + path).timeout(10, TimeUnit.SECONDS);
        if (token != null) {
            request.headers(h -> h.put("Authorization", "Bearer " + token));
        }
        return request.send();
    }

    @Test
    void metricsOnThePublicPortNeedTheAdminToken() throws Exception {
        int port = deploy("nexus { admin { token = \"" + TOKEN + "\" } }");
        assertThat(get("127.0.0.1", port, "/_nexus/metrics", null).getStatus()).isEqualTo(401);
        assertThat(get("127.0.0.1", port, "/_nexus/metrics", "wrong-token-0123456789").getStatus()).isEqualTo(401);
        ContentResponse metrics = get("127.0.0.1", port, "/_nexus/metrics", TOKEN);
        assertThat(metrics.getStatus()).isEqualTo(200);
        assertThat(metrics.getContentAsString()).contains("nexus_");
    }

    @Test
    void metricsWithoutATokenConfiguredAreRefusedUnlessOptedOut() throws Exception {
        int port = deploy("nexus { }");
        ContentResponse refused = get("127.0.0.1", port, "/_nexus/metrics", null);
        assertThat(refused.getStatus()).isEqualTo(403);
        assertThat(refused.getContentAsString()).contains("nexus.admin.war.metrics-require-token");
        server.stop();

        port = deploy("nexus { admin.war.metrics-require-token = false }");
        assertThat(get("127.0.0.1", port, "/_nexus/metrics", null).getStatus()).isEqualTo(200);
    }

    @Test
    void probesAnswerLoopbackClientsOnlyUnlessConfigured() throws Exception {
        Optional<InetAddress> external = externalAddress();
        assumeThat(external).as("a non-loopback IPv4 address on this host").isPresent();
        String host = external.get().getHostAddress();

        int port = deploy("nexus { }");
        assertThat(get("127.0.0.1", port, "/_nexus/healthz", null).getStatus()).isEqualTo(200);
        assertThat(get("127.0.0.1", port, "/_nexus/readyz", null).getStatus()).isEqualTo(200);
        ContentResponse remote = get(host, port, "/_nexus/healthz", null);
        assertThat(remote.getStatus()).isEqualTo(403);
        assertThat(remote.getContentAsString()).contains("nexus.admin.war.remote-probes");
        assertThat(get(host, port, "/_nexus/readyz", null).getStatus()).isEqualTo(403);
        server.stop();

        port = deploy("nexus { admin.war.remote-probes = true }");
        assertThat(get(host, port, "/_nexus/healthz", null).getStatus()).isEqualTo(200);
    }

    @Test
    void theBundledWarDefaultHasNoRoutes() throws Exception {
        // Something listens where the launcher's demo route points: the WAR must not serve it.
        try (RecordingUpstreamOn9000 ignored = RecordingUpstreamOn9000.tryStart()) {
            int port = deploy(null);
            ContentResponse echo = get("127.0.0.1", port, "/echo/x", null);
            assertThat(echo.getStatus()).isEqualTo(404);
            assertThat(echo.getContentAsString()).contains("no_route");
        }
    }

    /** Port 9000 taken by a recording upstream when it is free (the check above holds either way). */
    private record RecordingUpstreamOn9000(io.nexus.gateway.testing.RecordingUpstream upstream) implements AutoCloseable {
        static RecordingUpstreamOn9000 tryStart() {
            try {
                return new RecordingUpstreamOn9000(io.nexus.gateway.testing.RecordingUpstream.start("demo-port", 9000));
            } catch (Exception e) {
                return new RecordingUpstreamOn9000(null);
            }
        }

        @Override
        public void close() throws Exception {
            if (upstream != null) {
                upstream.close();
            }
        }
    }

    private static Optional<InetAddress> externalAddress() throws Exception {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }
}
