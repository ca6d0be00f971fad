package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.testing.RawHttp;
import io.nexus.gateway.testing.RecordingUpstream;
import io.nexus.gateway.testing.RecordingUpstream.Recorded;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code export --format nginx} run in a real nginx (Debian's, as a foreground process on an
 * ephemeral port with a prefix of its own): the same raw requests through nginx and through a
 * launcher process on the same config reach the recording upstream alike (method, path, query,
 * body and the headers Nexus writes), and what neither forwards (405, 404) is refused by both.
 */
@Timeout(90)
class NginxExportTest {

    @TempDir
    static Path dir;

    static RecordingUpstream upstream;
    static RecordingUpstream canary;
    static LauncherProcess nexus;
    static Process nginx;
    static int nexusPort;
    static int nginxPort;
    static String exported;
    static String gaps;

    static final String CONFIG = """
        nexus {
          server { host = "127.0.0.1" }
          admin { port = 0 }
          upstreams {
            backend { targets = ["%s"], connect-timeout = 2s, request-timeout = 10s }
            canary { targets = ["%s"] }
          }
          routes = [
            { name = "api", path = "/api", upstream = "backend", strip-prefix = true }
            { name = "assets", path = "/assets", upstream = "backend" }
            { name = "health", path = "/health", match = exact, upstream = "backend", methods = [GET] }
            { name = "drill", path = "/drill", upstream = "backend", fault { abort-percent = 0 } }
            { name = "users", path = "/users", upstream = "backend", strip-prefix = true,
              rewrite { regex = "^/([0-9]+)$", replacement = "/v2/accounts/$1" }
              headers {
                request { set { "X-Env" = "prod", "X-Client" = "${client_ip} via ${route}", "X-Seen-Id" = "id-${request_id}" },
                          add { "X-Tag" = "gw", "X-Forwarded-Proto" = "edge" }, remove = ["X-Debug"] }
                response { set { "X-Route" = "${route}" }, add { "X-Served-By" = "nexus" }, remove = ["X-Internal"] }
              } }
            { name = "legacy", path = "/legacy", upstream = "backend", rewrite { regex = "/old/", replacement = "/new/" } }
            { name = "shop", path = "/shop", strip-prefix = true, headers.request.set { "X-Env" = "shop" }
              split = [ { upstream = "canary", weight = 0, match-header { name = "X-Canary", value = "on" } },
                        { upstream = "backend", weight = 1 } ] }
          ]
        }
        """;

    @BeforeAll
    static void start() throws Exception {
        upstream = RecordingUpstream.start("backend");
        canary = RecordingUpstream.start("canary");
        Path config = dir.resolve("gateway.conf");
        Files.writeString(config, CONFIG.formatted(upstream.url(), canary.url()));

        nginxPort = freePort();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ExportCommand.run(new String[] {"--format", "nginx", "--config", config.toString()},
            Map.of("NEXUS_PORT", Integer.toString(nginxPort)), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        exported = out.toString(StandardCharsets.UTF_8);
        gaps = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(gaps).isEqualTo(NexusLauncher.EXIT_OK);

        nginx = startNginx(exported);
        nexus = LauncherProcess.start(dir, Map.of("NEXUS_PORT", "0"), List.of(), "--config", config.toString());
        Matcher listening = nexus.awaitListening();
        nexusPort = Integer.parseInt(listening.group(1));
    }

    /** nginx.conf = the main context a packaged nginx would have, around the exported http block. */
    private static Process startNginx(String httpBlock) throws IOException {
        Path prefix = Files.createDirectories(dir.resolve("nginx"));
        Files.createDirectories(prefix.resolve("logs"));
        // Temporary files under the prefix: Debian's compiled-in paths are under /var/lib/nginx.
        String temp = "http {\n" + String.join("\n",
            "    client_body_temp_path " + prefix.resolve("body") + ";",
            "    proxy_temp_path " + prefix.resolve("proxy") + ";",
            "    fastcgi_temp_path " + prefix.resolve("fastcgi") + ";",
            "    uwsgi_temp_path " + prefix.resolve("uwsgi") + ";",
            "    scgi_temp_path " + prefix.resolve("scgi") + ";",
            "    access_log " + prefix.resolve("logs/access.log") + ";") + "\n";
        String conf = String.join("\n",
            "daemon off;",
            "master_process off;",
            "pid " + prefix.resolve("nginx.pid") + ";",
            "error_log " + prefix.resolve("logs/error.log") + " info;",
            "events { worker_connections 64; }",
            httpBlock.replaceFirst("(?m)^http \\{\n", java.util.regex.Matcher.quoteReplacement(temp)));
        Path file = prefix.resolve("nginx.conf");
        Files.writeString(file, conf);
        Process process = new ProcessBuilder("nginx", "-p", prefix + "/", "-c", file.toString(), "-e", prefix.resolve("logs/error.log").toString())
            .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
        await("nginx listening (" + prefix + ")").atMost(Duration.ofSeconds(20)).until(() -> {
            assertThat(process.isAlive()).as("nginx exited: %s", Files.readString(prefix.resolve("stdout.log"))).isTrue();
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", nginxPort), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return process;
    }

    @AfterAll
    static void stop() throws Exception {
        if (nginx != null) {
            nginx.destroy();
            nginx.waitFor(10, TimeUnit.SECONDS);
        }
        if (nexus != null) {
            nexus.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (canary != null) {
            canary.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET /api/users/42?sort=name&page=2 HTTP/1.1",
        "GET /api HTTP/1.1",
        "GET /api/ HTTP/1.1",
        "GET /assets/app.js?v=3 HTTP/1.1",
        "GET /assets HTTP/1.1",
        "GET /health HTTP/1.1",
        "DELETE /api/orders/7 HTTP/1.1",
    })
    void theUpstreamReceivesTheSameRequestFromNginxAndFromNexus(String requestLine) throws Exception {
        String headers = "Host: shop.example.com\r\nX-Request-Id: order-7f3a\r\nX-Custom: kept\r\nX-Forwarded-For: 10.6.6.6\r\n"
            + "X_Sneaky: dropped\r\nConnection: close\r\n\r\n";

        Recorded viaNginx = sameUpstreamRequest(requestLine + "\r\n" + headers);

        assertThat(viaNginx.header("X_Sneaky")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET /users/42?sort=name HTTP/1.1",
        "GET /users/abc HTTP/1.1",
        "GET /users/7/orders HTTP/1.1",
        "GET /users HTTP/1.1",
        "GET /users/ HTTP/1.1",
        "GET /legacy/a/old/b/old/c?q=1 HTTP/1.1",
        "GET /legacy HTTP/1.1",
    })
    void headerEditsAndTheRewriteReachTheUpstreamAlike(String requestLine) throws Exception {
        String headers = "Host: shop.example.com\r\nX-Request-Id: order-9c1d\r\nX-Debug: 1\r\nX-Env: dev\r\nX-Tag: client\r\n"
            + "X-Custom: kept\r\nConnection: close\r\n\r\n";

        Recorded viaNginx = sameUpstreamRequest(requestLine + "\r\n" + headers);

        if (requestLine.startsWith("GET /users/42")) {
            assertThat(viaNginx.path()).isEqualTo("/v2/accounts/42");
            assertThat(viaNginx.header("X-Env")).isEqualTo("prod");
            assertThat(viaNginx.header("X-Debug")).isNull();
            assertThat(viaNginx.header("X-Client")).isEqualTo("127.0.0.1 via users");
        }
    }

    @Test
    void anAddedHeaderTheClientDidNotSendArrivesAlone() throws Exception {
        String request = "GET /users/42 HTTP/1.1\r\nHost: shop.example.com\r\nX-Request-Id: order-11\r\nConnection: close\r\n\r\n";

        Recorded viaNginx = sameUpstreamRequest(request);

        assertThat(viaNginx.header("X-Tag")).isEqualTo("gw");
        assertThat(viaNginx.header("X-Seen-Id")).isEqualTo("id-order-11");
    }

    @Test
    void theClientGetsTheSameEditedResponseHeaders() throws Exception {
        // The recording upstream answers with the headers the query names.
        String request = "GET /users/42?header=X-Internal:secret&header=X-Route:upstream&header=X-Served-By:app&header=X-Kept:yes HTTP/1.1\r\n"
            + "Host: shop.example.com\r\nX-Request-Id: order-12\r\nConnection: close\r\n\r\n";

        String fromNexus = RawHttp.exchange(nexusPort, request);
        String fromNginx = RawHttp.exchange(nginxPort, request);
        upstream.clear();

        Map<String, List<String>> nexusHeaders = responseHeaders(fromNexus);
        assertThat(responseHeaders(fromNginx)).isEqualTo(nexusHeaders);
        assertThat(nexusHeaders).containsEntry("x-route", List.of("users")).containsEntry("x-served-by", List.of("app", "nexus"))
            .containsEntry("x-kept", List.of("yes")).containsEntry("x-request-id", List.of("order-12")).doesNotContainKey("x-internal");
    }

    /** The canary side takes weight 0: only its match-header sends a request there, so both proxies must agree on each. */
    @ParameterizedTest
    @CsvSource({
        "GET /shop/cart?id=3 HTTP/1.1, X-Canary: on, canary",
        "GET /shop HTTP/1.1, X-Canary: on, canary",
        "GET /shop/cart HTTP/1.1, X-Canary: ON, backend",
        "GET /shop/cart HTTP/1.1, X-Other: 1, backend",
    })
    void theSplitSendsARequestToTheSameSide(String requestLine, String header, String side) throws Exception {
        RecordingUpstream expected = side.equals("canary") ? canary : upstream;
        String request = requestLine + "\r\nHost: shop.example.com\r\nX-Request-Id: order-13\r\n" + header + "\r\nConnection: close\r\n\r\n";

        Recorded viaNexus = send(nexusPort, request, expected);
        Recorded viaNginx = send(nginxPort, request, expected);

        assertThat(seen(viaNginx)).isEqualTo(seen(viaNexus));
        assertThat(viaNginx.header("Host")).isEqualTo(expected.uri().getAuthority());
        assertThat(viaNginx.path()).startsWith("/").doesNotStartWith("/shop");
        assertThat(canary.pending() + upstream.pending()).isZero();
    }

    @Test
    void aBodyArrivesAlike() throws Exception {
        String request = "POST /api/orders?dry-run=1 HTTP/1.1\r\nHost: shop.example.com\r\nX-Request-Id: order-8\r\nContent-Type: application/json\r\n"
            + "Content-Length: 10\r\nConnection: close\r\n\r\n{\"qty\": 3}";

        Recorded viaNginx = sameUpstreamRequest(request);

        assertThat(viaNginx.bodyText()).isEqualTo("{\"qty\": 3}");
    }

    @Test
    void bothAnswerARequestIdOfTheirOwnWhenTheClientHasNone() throws Exception {
        String request = "GET /api/x HTTP/1.1\r\nHost: shop.example.com\r\nConnection: close\r\n\r\n";
        for (int port : new int[] {nexusPort, nginxPort}) {
            String response = RawHttp.exchange(port, request);
            String sent = upstream.takeRequest().header("X-Request-Id");
            assertThat(sent).isNotBlank();
            assertThat(response).contains("X-Request-Id: " + sent);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"DELETE /health HTTP/1.1", "GET /nowhere HTTP/1.1", "GET /healthz HTTP/1.1"})
    void whatNexusRefusesNginxRefusesWithTheSameStatus(String requestLine) throws Exception {
        String request = requestLine + "\r\nHost: shop.example.com\r\nConnection: close\r\n\r\n";

        String fromNexus = RawHttp.exchange(nexusPort, request);
        String fromNginx = RawHttp.exchange(nginxPort, request);

        assertThat(status(fromNginx)).isEqualTo(status(fromNexus)).isIn(404, 405);
        assertThat(upstream.pending()).isZero();
    }

    @Test
    void whatCannotBeExportedIsListedOnStderr() {
        assertThat(gaps).contains("not exported to nginx: routes[3].fault: no equivalent")
            .contains("routes[2].methods")
            .contains("request-timeout: exported as proxy_read_timeout")
            .contains("admin: not exported")
            .contains("routes[6].split: drawn by nginx's split_clients")
            .contains("routes[4].headers.request.add.X-Tag: a client's repeated X-Tag keeps its first value only")
            .contains("routes[4].headers.request.set.X-Seen-Id: ${request_id} is the client's X-Request-Id, else nginx's own $request_id");
        assertThat(exported).startsWith("# Exported from").contains("upstream backend {").doesNotContain("not exported");
    }

    /** Sends the request through Nexus, then nginx; both reach the upstream alike. @return what nginx sent */
    private static Recorded sameUpstreamRequest(String request) throws Exception {
        Recorded viaNexus = send(nexusPort, request);
        Recorded viaNginx = send(nginxPort, request);
        assertThat(seen(viaNginx)).isEqualTo(seen(viaNexus));
        return viaNginx;
    }

    private static Recorded send(int port, String request) throws Exception {
        return send(port, request, upstream);
    }

    private static Recorded send(int port, String request, RecordingUpstream receiver) throws Exception {
        String response = RawHttp.exchange(port, request);
        assertThat(status(response)).as(response).isEqualTo(200);
        return receiver.takeRequest();
    }

    /** What the comparison looks at: everything Nexus decides about the upstream request. */
    private static Map<String, String> seen(Recorded request) {
        Map<String, String> seen = new LinkedHashMap<>();
        seen.put("method", request.method());
        seen.put("path", request.path());
        seen.put("query", request.query());
        seen.put("body", request.bodyText());
        for (String header : List.of("Host", "X-Request-Id", "X-Custom", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
            "Forwarded", "Content-Type", "Content-Length", "X_Sneaky", "X-Env", "X-Client", "X-Seen-Id", "X-Tag", "X-Debug")) {
            seen.put(header, request.header(header));
        }
        return seen;
    }

    /** The response headers a route's edits touch, by lower-case name, values in order. */
    private static Map<String, List<String>> responseHeaders(String response) {
        assertThat(status(response)).as(response).isEqualTo(200);
        Map<String, List<String>> headers = new java.util.TreeMap<>();
        for (String line : response.substring(0, response.indexOf("\r\n\r\n")).split("\r\n")) {
            int colon = line.indexOf(':');
            String name = colon < 0 ? "" : line.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
            if (name.startsWith("x-")) {
                headers.computeIfAbsent(name, key -> new java.util.ArrayList<>()).add(line.substring(colon + 1).trim());
            }
        }
        return headers;
    }

    private static int status(String response) {
        return Integer.parseInt(response.substring("HTTP/1.1 ".length(), "HTTP/1.1 ".length() + 3));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
