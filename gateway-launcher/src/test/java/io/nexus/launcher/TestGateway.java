package io.nexus.launcher;

import io.nexus.gateway.lifecycle.BuiltInMiddlewares;
import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.reload.ConfigPlane;
import io.nexus.gateway.reload.InitialConfig;
import io.nexus.gateway.reload.LastKnownGood;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The real embedded gateway on ephemeral loopback ports, built from HOCON text, plus a Jetty
 * client with a timeout on every request. Public and admin ports are 0 and the drain delay is
 * 0 unless the text says otherwise.
 */
final class TestGateway implements AutoCloseable {

    private static final String BASE = """
        nexus {
          server { host = "127.0.0.1", port = 0, shutdown { drain-delay = 0s, timeout = 5s } }
          admin { host = "127.0.0.1", port = 0 }
        }
        """;
    static final int MAX_BODY = 16 << 20;

    final EmbeddedGateway gateway;
    final HttpClient client;

    private TestGateway(EmbeddedGateway gateway, HttpClient client) {
        this.gateway = gateway;
        this.client = client;
    }

    static TestGateway start(String config) throws Exception {
        return start(BASE + config, BuiltInMiddlewares.registry());
    }

    /** A gateway on the exact text given (no test defaults added), not watched. */
    static TestGateway start(String text, MiddlewareRegistry middlewares) throws Exception {
        ConfigLoader loader = new ConfigLoader(Map.of(), middlewares.names());
        InitialConfig initial = InitialConfig.fromText(text, "test.conf", ConfigPlane.SOURCE_API, loader);
        return start(EmbeddedGateway.start(initial, loader, LastKnownGood.disabled(), middlewares));
    }

    /** A gateway on a file, watched when the file says so, with its own last-known-good copy. */
    static TestGateway startFromFile(java.nio.file.Path file, LastKnownGood lastKnownGood, MiddlewareRegistry middlewares) throws Exception {
        ConfigLoader loader = new ConfigLoader(Map.of(), middlewares.names());
        InitialConfig initial = InitialConfig.fromFile(file, loader, lastKnownGood);
        return start(EmbeddedGateway.start(initial, loader, lastKnownGood, middlewares));
    }

    /** The settings every test gateway needs (loopback, ports 0, no drain delay), to put first in a file. */
    static String baseConfig() {
        return BASE;
    }

    private static TestGateway start(EmbeddedGateway gateway) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("test-client");
        HttpClient client = new HttpClient();
        client.setExecutor(threads);
        client.setFollowRedirects(false);
        client.setMaxConnectionsPerDestination(256);
        client.start();
        return new TestGateway(gateway, client);
    }

    String url(String path) {
        return "http://127.0.0.1:" + gateway.publicPort() + path;
    }

    String adminUrl(String path) {
        return "http://127.0.0.1:" + gateway.adminPort() + path;
    }

    Request request(String path) {
        return client.newRequest(url(path)).timeout(10, TimeUnit.SECONDS);
    }

    Request adminRequest(String path) {
        return client.newRequest(adminUrl(path)).timeout(10, TimeUnit.SECONDS);
    }

    /** Sends and buffers up to {@link #MAX_BODY} of response body. */
    static ContentResponse send(Request request) throws Exception {
        return new CompletableResponseListener(request, MAX_BODY).send().get(15, TimeUnit.SECONDS);
    }

    ContentResponse get(String path) throws Exception {
        return send(request(path));
    }

    String metrics() throws Exception {
        return send(adminRequest("/metrics")).getContentAsString();
    }

    /**
     * Waits until a scrape satisfies the assertion: a request is counted when its exchange
     * completes, which may be just after the client has read the response.
     */
    void awaitMetrics(java.util.function.Consumer<String> assertion) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
            .untilAsserted(() -> assertion.accept(metrics()));
    }

    @Override
    public void close() throws Exception {
        client.stop();
        gateway.close();
    }
}
