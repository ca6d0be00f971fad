package io.nexus.gateway.war;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The connection bounds of docs/deploy-war.md ("6. Memory per connection") in a stock Jetty:
 * the header cache off, an idle timeout, and the {@code network-connection-limit} module, set
 * with exactly the lines the doc gives (only the numbers made small for the test).
 */
@Timeout(90)
class WarConnectionLimitsIT {

    private static final int LIMIT = 20;

    @RegisterExtension
    static final WarDeployment nexus = WarDeployment.inStockBase(upstream -> """
            nexus {
              upstreams { backend { targets = ["%s"] } }
              routes = [{ name = "api", path = "/api", upstream = "backend" }]
            }
            """.formatted(upstream))
        .customizedBy(base -> {
            base.addModules("network-connection-limit");
            base.appendLine("start.d/server.ini", "jetty.httpConfig.headerCacheSize=0");
            base.appendLine("start.d/server.ini", "jetty.http.idleTimeout=1500");
            base.appendLine("start.d/network-connection-limit.ini", "jetty.networkConnectionLimit.maxNetworkConnectionCount=" + LIMIT);
            base.appendLine("start.d/network-connection-limit.ini", "jetty.networkConnectionLimit.endPointIdleTimeout=3000");
        });

    /** Sends a kept-alive GET on {@code socket} and reads the status line, or null when none came in time. */
    private static String ask(Socket socket, int timeoutMillis) throws IOException {
        socket.getOutputStream().write(("GET /_nexus/healthz HTTP/1.1\r\nHost: " + nexus.authority() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.setSoTimeout(timeoutMillis);
        try {
            return statusLine(socket.getInputStream());
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
            line.append((char) b);
        }
        return line.toString().trim();
    }

    private static int answered(List<Socket> sockets) throws IOException {
        int count = 0;
        for (Socket socket : sockets) {
            if (socket.getInputStream().available() > 0) {
                count++;
            }
        }
        return count;
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", nexus.port()), 5_000);
        return socket;
    }

    @Test
    void anIdleKeptAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (Socket socket = connect()) {
            assertThat(ask(socket, 10_000)).isEqualTo("HTTP/1.1 200 OK");
            socket.setSoTimeout(10_000);
            long start = System.nanoTime();
            InputStream in = socket.getInputStream();
            // Drain the rest of the answer; the server then closes the idle connection: end of stream.
            while (in.read() != -1) {
                // the body and, after the idle timeout, the end
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1000), Duration.ofSeconds(8));
        }
    }

    @Test
    void beyondTheLimitConnectionsWaitUntilIdleOnesAreClosed() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < LIMIT + 10; i++) {
                sockets.add(connect());
            }
            // Every socket asks at once; only what the limit admits is served right away.
            for (Socket socket : sockets) {
                socket.getOutputStream().write(("GET /_nexus/healthz HTTP/1.1\r\nHost: " + nexus.authority() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            }
            // Answers that arrived, looked at without reading: an admitted connection stays open
            // (and idle) for 3 s at the limit, so none of them has made room yet.
            await().atMost(Duration.ofSeconds(10)).until(() -> answered(sockets) > 0);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> answered(sockets) <= LIMIT);
            int answeredAtOnce = answered(sockets);
            assertThat(answeredAtOnce).as("answered before any connection was closed").isPositive().isLessThanOrEqualTo(LIMIT);
            // At the limit, idle connections get the 3 s idle timeout: they close, the waiting ones are accepted.
            await().atMost(Duration.ofSeconds(30)).until(() -> nexus.request("/_nexus/healthz").send().getStatus() == 200);
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
