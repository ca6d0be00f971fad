package io.nexus.launcher;

import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;

/** Requests to one gateway's public port over one {@link Protocol}, each with a timeout. */
final class GatewayClient {

    /** How long a request may take, end to end; {@link TestGateway#send} waits a little longer. */
    static final long REQUEST_TIMEOUT_SECONDS = 10;

    private final HttpClient http;
    private final Protocol protocol;
    private final String origin;

    GatewayClient(HttpClient http, Protocol protocol, int port) {
        this.http = http;
        this.protocol = protocol;
        this.origin = protocol.scheme() + "://127.0.0.1:" + port;
    }

    Protocol protocol() {
        return protocol;
    }

    /** The underlying client, for a test that installs handlers of its own (interim responses). */
    HttpClient http() {
        return http;
    }

    String url(String path) {
        return origin + path;
    }

    Request request(String path) {
        return http.newRequest(url(path)).timeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * A request to the gateway as the virtual host {@code host} ({@code name} or {@code name:port}):
     * its {@code Host} header in HTTP/1.1, its {@code :authority} in HTTP/2, where a {@code Host}
     * header that disagrees with the authority is a 400.
     */
    Request requestFor(String host, String path) {
        return http.newRequest(protocol.scheme() + "://" + host + path).timeout(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    ContentResponse get(String path) throws Exception {
        return TestGateway.send(request(path));
    }

    /** Whether the client has been stopped (with its gateway). */
    boolean stopped() {
        return http.isStopped();
    }

    @Override
    public String toString() {
        return protocol.toString();
    }
}
