package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory per kept-alive connection (issue 23): with Jetty's default header field cache, each
 * connection's second request built a ~100 KiB cache, and about 2,000 reused connections filled a
 * 256 MiB heap until the JVM neither served nor exited. The launcher in a JVM of its own with
 * {@code -Xmx256m} now holds 3,000 connections that each send two requests with a browser's
 * header fields, answers every one, and still answers its probes.
 */
@Tag("slow")
class KeptAliveConnectionsTest {

    private static final int CONNECTIONS = Integer.getInteger("keptAliveConnections", 3000);
    private static final String REQUEST = """
        GET /api/items/%d HTTP/1.1\r
        Host: api.example.com\r
        User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r
        Accept: application/json, text/plain, */*\r
        Accept-Language: en-US,en;q=0.9,de;q=0.8\r
        Accept-Encoding: gzip, deflate, br\r
        Cookie: session=4f2c9a8e1b7d6c5a3e2f1a0b9c8d7e6f; theme=dark; locale=en_US\r
        X-Client-Version: 4.12.%d\r
        Referer: https://app.example.com/dashboard/%d\r
        \r
        """;

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder().recordingUpstream("up").build();

    @TempDir
    Path dir;
    LauncherProcess launcher;
    final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Socket socket : sockets) {
            socket.close();
        }
        if (launcher != null) {
            launcher.close();
        }
    }

    @Test
    void threeThousandReusedConnectionsFitIn256MiBAndEveryRequestIsAnswered() throws Exception {
        Path config = dir.resolve("gateway.conf");
        Files.writeString(config, nexus.configText("""
            nexus {
              // Connections wait their turn for a while: the idle timeout is not what is measured here.
              server { host = "127.0.0.1", port = 0, idle-timeout = 5m, shutdown.drain-delay = 0s }
              admin { host = "127.0.0.1", port = 0 }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [{ name = "api", path = "/api", upstream = "up" }]
              observability.access-log.enabled = false
            }
            """));
        launcher = LauncherProcess.start(dir, Map.of(), List.of("-Xms256m", "-Xmx256m", "-XX:+ExitOnOutOfMemoryError"),
            "--config", config.toString());
        Matcher listening = launcher.awaitListening();
        int port = Integer.parseInt(listening.group(1));
        int adminPort = Integer.parseInt(listening.group(2));

        for (int i = 0; i < CONNECTIONS; i++) {
            Socket socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(30_000);
            sockets.add(socket);
        }
        for (int round = 1; round <= 2; round++) {
            for (int i = 0; i < CONNECTIONS; i++) {
                Socket socket = sockets.get(i);
                socket.getOutputStream().write(REQUEST.formatted(i, i, i).getBytes(StandardCharsets.US_ASCII));
                assertThat(statusOfResponse(socket.getInputStream())).as("round %d, connection %d: %s", round, i, tail()).isEqualTo(200);
            }
        }
        assertThat(launcher.process.isAlive()).as(tail()).isTrue();
        assertThat(RawHttp.exchange(adminPort, "GET /readyz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200 ");
        assertThat(RawHttp.exchange(adminPort, "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"))
            .contains("nexus_open_connections{connector=\"public\"} " + CONNECTIONS + ".0");
    }

    /** Reads one response with a Content-Length body; returns its status. */
    private static int statusOfResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after: " + head);
            }
            head.append((char) b);
        }
        Matcher length = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(head);
        if (length.find()) {
            in.readNBytes(Integer.parseInt(length.group(1)));
        }
        return Integer.parseInt(head.substring(9, 12));
    }

    private String tail() {
        String output = launcher.output();
        return output.substring(Math.max(0, output.length() - 2000));
    }
}
