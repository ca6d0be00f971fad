package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.testing.RecordingUpstream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, finding 11: one client with slow headers, slow bodies or many connections held the
 * gateway's connections and admission permits. Raw sockets, written slowly on purpose.
 */
class SlowClientsTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config("""
            nexus {
              server { header-read-timeout = 1s, min-request-body-rate = 1KiB, idle-timeout = 30s, accept-queue-size = 300 }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [{ name = "up", path = "/", upstream = "up" }]
            }
            """)
        .build();

    /** The kernel's listen backlog of the public port, as {@code ss} reports it (Send-Q of a listening socket). */
    @Test
    void clientsAcceptedInABurstWaitInABacklogOfTheConfiguredSize() throws Exception {
        Process ss = new ProcessBuilder("ss", "-ltnH", "sport = :" + nexus.gateway().publicPort()).redirectErrorStream(true).start();
        String listening = new String(ss.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        assertThat(ss.waitFor()).isZero();
        // State Recv-Q Send-Q Local-Address:Port Peer-Address:Port
        assertThat(listening.split("\\s+")[2]).as(listening).isEqualTo("300");
    }

    private static Socket connect(int port) throws Exception {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(8000);
        return socket;
    }

    /** Reads until the gateway closes the connection or the socket times out; true when it closed. */
    private static boolean closedByGateway(Socket socket) throws Exception {
        InputStream in = socket.getInputStream();
        try {
            while (in.read() >= 0) {
                // drain whatever the gateway answered before it closed
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    @Test
    void aHeaderTrickledSlowerThanTheHeaderReadTimeoutLosesItsConnection() throws Exception {
        try (Socket socket = connect(nexus.gateway().publicPort())) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /slowloris HTTP/1.1\r\nHost: a\r\n".getBytes(StandardCharsets.ISO_8859_1));
            long started = System.nanoTime();
            // A header line every 200 ms: never idle for the 30 s idle timeout.
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 40; i++) {
                        Thread.sleep(200);
                        out.write(("X-Line-" + i + ": x\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                    }
                } catch (Exception e) {
                    // closed by the gateway: expected
                }
            });
            assertThat(closedByGateway(socket)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(900), Duration.ofMillis(2500));
            writer.join(5000);
        }
        assertThat(nexus.upstream("up").pending()).isZero();
    }

    @Test
    void aBodySlowerThanTheMinimumRateFails() throws Exception {
        RecordingUpstream upstream = nexus.upstream("up");
        upstream.clear();
        try (Socket socket = connect(nexus.gateway().publicPort())) {
            OutputStream out = socket.getOutputStream();
            out.write("POST /slow-body HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            long started = System.nanoTime();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 100; i++) {
                        out.write(new byte[50]); // 250 bytes per second
                        out.flush();
                        Thread.sleep(200);
                    }
                } catch (Exception e) {
                    // closed by the gateway: expected
                }
            });
            String response = new String(socket.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
            assertThat(response).isEqualTo("HTTP/1.1 408");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
            writer.interrupt();
            writer.join(5000);
        }
        // Never a complete body upstream.
        assertThat(upstream.pendingPaths()).doesNotContain("/slow-body");
    }

    @Test
    void atMaxConnectionsTheGatewayStopsAcceptingUntilOneCloses() throws Exception {
        TestGateway gateway = nexus.startGateway("""
            nexus {
              server { max-connections = 3 }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [{ name = "up", path = "/", upstream = "up" }]
            }
            """);
        int port = gateway.publicPort();
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                idle.add(connect(port));
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(gateway.metrics()).contains("nexus_open_connections{connector=\"public\"} 3.0")
                    .contains("nexus_connection_limit_reached_total 1.0"));
            try (Socket fourth = connect(port)) {
                fourth.setSoTimeout(1000);
                fourth.getOutputStream().write("GET /fourth HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                try {
                    assertThat(fourth.getInputStream().read()).as("no answer while at the limit").isEqualTo(-2);
                } catch (SocketTimeoutException expected) {
                    // not accepted: it waits in the backlog
                }
                idle.remove(0).close();
                fourth.setSoTimeout(5000);
                String response = new String(fourth.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
                assertThat(response).isEqualTo("HTTP/1.1 200");
            }
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    /** Issue 23: near the limit, idle kept-alive connections are closed first to make room. */
    @Test
    void underConnectionPressureIdleKeptAliveConnectionsAreClosedFirst() throws Exception {
        TestGateway gateway = nexus.startGateway("""
            nexus {
              server { max-connections = 10, pressure-threshold-percent = 50, pressure-idle-timeout = 300ms, idle-timeout = 30s }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [{ name = "up", path = "/", upstream = "up" }]
            }
            """);
        int port = gateway.publicPort();
        List<Socket> kept = new ArrayList<>();
        try {
            // Below the mark (4 of 10 < 50%), kept-alive connections keep the 30 s idle timeout.
            for (int i = 0; i < 4; i++) {
                kept.add(usedOnce(port));
            }
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(gateway.metrics()).contains("nexus_open_connections{connector=\"public\"} 4.0").contains("nexus_connection_pressure 0.0"));
            // At the mark, every idle one is closed within the short idle timeout (checked each second).
            kept.add(usedOnce(port));
            for (Socket socket : kept) {
                assertThat(closedByGateway(socket)).as("an idle kept-alive connection under pressure is closed").isTrue();
            }
            // And the pressure is over: a new connection is served and kept.
            try (Socket after = usedOnce(port)) {
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(gateway.metrics()).contains("nexus_connection_pressure 0.0"));
            }
        } finally {
            for (Socket socket : kept) {
                socket.close();
            }
        }
    }

    /** A connection that has sent one request, read its answer and is kept alive. */
    private static Socket usedOnce(int port) throws Exception {
        Socket socket = connect(port);
        socket.getOutputStream().write("GET /kept HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = socket.getInputStream();
        String head = "";
        while (!head.endsWith("\r\n\r\n")) {
            head += (char) in.read();
        }
        assertThat(head).startsWith("HTTP/1.1 200");
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        if (length.find()) {
            in.readNBytes(Integer.parseInt(length.group(1)));
        }
        return socket;
    }
}
