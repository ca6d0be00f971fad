package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.nexus.gateway.config.TlsSettings;
import io.nexus.gateway.lifecycle.GatewayContextListener;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
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

    /**
     * The container owns TLS in a WAR: a server with an HTTPS connector of its own (and its own
     * Server header off, as docs/tls.md tells the operator). HSTS goes on the secure responses
     * only, and the upstream's banners stop at the gateway.
     */
    @Test
    void hstsOnSecureRequestsAndNoUpstreamBannersInAWar() throws Exception {
        try (io.nexus.gateway.testing.RecordingUpstream upstream = io.nexus.gateway.testing.RecordingUpstream.start("banner")) {
            deploy("""
                nexus {
                  server.tls.hsts { max-age = 1d }
                  upstreams { up { targets = ["%s"] } }
                  routes = [{ name = "r", path = "/r", upstream = "up" }]
                }
                """.formatted(upstream.url()));
            server.stop();
            HttpConfiguration https = new HttpConfiguration();
            https.setSendServerVersion(false);
            https.addCustomizer(new SecureRequestCustomizer(false));
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            TestCertificates.PemFiles pem = TestCertificates.localhost();
            ssl.setKeyStore(CertificateStore.load(List.of(new TlsSettings.Certificate("localhost", Optional.empty(), "",
                Optional.of(pem.certificate()), Optional.of(pem.privateKey())))));
            ssl.setKeyStorePassword(CertificateStore.PASSWORD);
            ServerConnector secure = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
            secure.setHost("127.0.0.1");
            server.addConnector(secure);
            server.getConnectors()[0].getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration().setSendServerVersion(false);
            server.start();
            int plainPort = ((ServerConnector) server.getConnectors()[0]).getLocalPort();

            HttpClient tlsClient = new HttpClient();
            tlsClient.setSslContextFactory(new SslContextFactory.Client(true));
            tlsClient.start();
            try {
                ContentResponse overTls = tlsClient.newRequest("https://127.0.0.1:" + secure.getLocalPort() + "/r/x").timeout(10, TimeUnit.SECONDS).send();
                assertThat(overTls.getStatus()).isEqualTo(200);
                assertThat(overTls.getHeaders().get("Strict-Transport-Security")).isEqualTo("max-age=86400");
                // RecordingUpstream is a Jetty server that sends its own Server: Jetty(...) header.
                assertThat(overTls.getHeaders().contains("Server")).isFalse();
            } finally {
                tlsClient.stop();
            }
            ContentResponse plain = get("127.0.0.1", plainPort, "/r/x", null);
            assertThat(plain.getStatus()).isEqualTo(200);
            assertThat(plain.getHeaders().contains("Strict-Transport-Security")).isFalse();
            assertThat(plain.getHeaders().contains("Server")).isFalse();
        }
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
