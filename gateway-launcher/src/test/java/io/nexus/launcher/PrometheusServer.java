package io.nexus.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * A real Prometheus server (Debian's binary) on loopback with its storage in a temp dir,
 * scraping one target every second with the given rule files loaded.
 */
final class PrometheusServer implements AutoCloseable {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts Prometheus scraping {@code 127.0.0.1:targetPort/metrics}; returns once it is ready. */
    static PrometheusServer start(Path dir, int targetPort, List<Path> ruleFiles) throws IOException {
        String binary = ObservabilityFiles.binary("prometheus");
        Path config = dir.resolve("prometheus.yml");
        String rules = ruleFiles.stream().map(p -> "  - \"" + p + "\"").collect(Collectors.joining("\n"));
        Files.writeString(config, """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files:
            %s
            scrape_configs:
              - job_name: nexus
                static_configs:
                  - targets: ["127.0.0.1:%d"]
            """.formatted(rules.isEmpty() ? "  []" : rules, targetPort).replace("rule_files:\n  []", "rule_files: []"));
        int port;
        // Prometheus cannot report a port it picked itself, so take a free one and hand it over.
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path log = dir.resolve("prometheus.log");
        Process process = new ProcessBuilder(binary,
            "--config.file=" + config,
            "--storage.tsdb.path=" + dir.resolve("data"),
            "--web.listen-address=127.0.0.1:" + port,
            "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
        PrometheusServer server = new PrometheusServer(process, port, log);
        Awaitility.await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
            .failFast("prometheus exited: " + server.log(), () -> !process.isAlive())
            .until(() -> server.status("/-/ready") == 200);
        return server;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The answer of an instant query (status, data). */
    JsonNode query(String promql) throws IOException, InterruptedException {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    int status(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
