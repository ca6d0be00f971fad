package io.nexus.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripts the Jenkinsfile calls, run for real with recording stand-ins for helm and kubectl.
 * The kubectl stand-in answers {@code port-forward} as kubectl does ("Forwarding from
 * 127.0.0.1:PORT") with the port of a local HTTP server that plays the release; another local
 * server plays Prometheus's query API (AutoRollbackTest runs the watch against a real one).
 */
class CiScriptsTest {

    @TempDir
    Path dir;
    Path bin;
    Path calls;
    HttpServer release;
    HttpServer prometheus;
    /** Status by path of the release's stand-in; unknown paths answer 404. */
    final Map<String, Integer> statuses = new ConcurrentHashMap<>();
    final List<String> queries = new CopyOnWriteArrayList<>();
    volatile String ratio = "0";
    volatile String p99 = "0.05";
    /** The p99 once helm was asked to roll back, as restoring the previous release would give; null: unchanged. */
    volatile String p99AfterRollback;
    volatile String requests = "100";

    @BeforeEach
    void fakes() throws Exception {
        bin = Files.createDirectory(dir.resolve("bin"));
        calls = dir.resolve("calls.log");
        release = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        release.createContext("/", exchange -> answer(exchange, statuses.getOrDefault(exchange.getRequestURI().getPath(), 404), ""));
        release.start();
        fake("helm", "");
        fake("kubectl", """
            if [ "$1" = port-forward ]; then
              echo "Forwarding from 127.0.0.1:%d -> ${5#:}"
              exec sleep 60
            fi
            """.formatted(release.getAddress().getPort()));
        prometheus = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        prometheus.createContext("/api/v1/query", exchange -> {
            String query = URLDecoder.decode(exchange.getRequestURI().getRawQuery().substring("query=".length()), StandardCharsets.UTF_8);
            queries.add(query);
            String latency = p99AfterRollback != null && calls().stream().anyMatch(call -> call.startsWith("helm rollback")) ? p99AfterRollback : p99;
            String value = query.contains("histogram_quantile") ? latency : query.contains("increase(") ? requests : ratio;
            answer(exchange, 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1700000000,\""
                + value + "\"]}]}}");
        });
        prometheus.start();
    }

    private void fake(String tool, String body) throws IOException {
        Path fake = bin.resolve(tool);
        Files.writeString(fake, "#!/bin/sh\necho \"" + tool + " $*\" >> \"" + calls + "\"\n" + body);
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void answer(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
        exchange.close();
    }

    @AfterEach
    void stop() {
        prometheus.stop(0);
        release.stop(0);
    }

    private int run(String script, String... env) throws IOException, InterruptedException {
        Path path = Path.of("..", "scripts").resolve(script);
        String name = path.getFileName().toString();
        ProcessBuilder builder = new ProcessBuilder("bash", path.toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".out").toFile());
        Map<String, String> environment = builder.environment();
        environment.put("PATH", bin + ":" + environment.get("PATH"));
        environment.put("TAG", "abc123");
        environment.put("PROMETHEUS_URL", "http://127.0.0.1:" + prometheus.getAddress().getPort());
        for (int i = 0; i < env.length; i += 2) {
            environment.put(env[i], env[i + 1]);
        }
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(script + " finished").isTrue();
        return process.exitValue();
    }

    /** What the script under scripts/ printed. */
    private String output(String script) throws IOException {
        return Files.readString(dir.resolve(Path.of(script).getFileName() + ".out"));
    }

    private List<String> calls() throws IOException {
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    @Test
    void deployUpgradesAtomicallyWithATimeout() throws Exception {
        assertThat(run("ci/deploy.sh")).isZero();
        assertThat(calls()).singleElement().asString()
            .startsWith("helm upgrade --install nexus-gateway ")
            .contains("/helm/nexus-gateway --namespace gateways --create-namespace --atomic --timeout 5m")
            .contains("--set image.repository=ghcr.io/nexus/nexus-gateway --set image.tag=abc123");
    }

    @Test
    void theImageStageRecordsTheDigestsItsMovingTagsResolvedTo() throws Exception {
        fake("docker", """
            if [ "$1 $2" = "image inspect" ]; then echo "${5%%:*}@sha256:0123abcd"; fi
            """);
        Path digests = Path.of("..", "image-digests.txt");
        try {
            assertThat(run("ci/image.sh")).as(output("ci/image.sh")).isZero();
            assertThat(calls()).startsWith("docker build --pull -t ghcr.io/nexus/nexus-gateway:abc123 .", "docker push ghcr.io/nexus/nexus-gateway:abc123");
            assertThat(Files.readAllLines(digests)).containsExactly(
                "base maven:3.9.11-eclipse-temurin-25 maven@sha256:0123abcd",
                "base eclipse-temurin:25-jre-noble eclipse-temurin@sha256:0123abcd",
                "image ghcr.io/nexus/nexus-gateway:abc123 ghcr.io/nexus/nexus-gateway@sha256:0123abcd");
        } finally {
            Files.deleteIfExists(digests);
        }
    }

    @Test
    void rollbackGoesToThePreviousRevisionAndWaits() throws Exception {
        assertThat(run("ci/rollback.sh")).isZero();
        assertThat(calls()).containsExactly("helm rollback nexus-gateway 0 --namespace gateways --wait --timeout 5m");
    }

    @Test
    void theSmokeTestAsksTheReleasesOwnReadinessAndRoutesThroughTheKubernetesApi() throws Exception {
        statuses.put("/readyz", 200);
        statuses.put("/users/health", 200);
        statuses.put("/orders/", 302);
        assertThat(run("ci/verify.sh", "SMOKE_PATHS", "/users/health /orders/")).as(output("ci/verify.sh")).isZero();
        assertThat(calls()).containsExactly(
            "kubectl rollout status deployment/nexus-gateway --namespace gateways --timeout 5m",
            "kubectl port-forward --namespace gateways service/nexus-gateway-admin :9090",
            "kubectl port-forward --namespace gateways service/nexus-gateway :80");
        assertThat(output("ci/verify.sh")).contains("/readyz answered 200", "/users/health answered 200", "/orders/ answered 302", "smoke test passed");
    }

    @Test
    void theSmokeTestFailsWhenTheReleaseIsNotReadyOrARouteFails() throws Exception {
        statuses.put("/readyz", 503);
        assertThat(run("ci/verify.sh")).isEqualTo(1);
        assertThat(output("ci/verify.sh")).contains("/readyz answered 503").doesNotContain("smoke test passed");

        statuses.put("/readyz", 200);
        statuses.put("/users/health", 502);
        assertThat(run("ci/verify.sh", "SMOKE_PATHS", "/users/health")).isEqualTo(1);
        assertThat(output("ci/verify.sh")).contains("/users/health answered 502");
    }

    @Test
    void theWatchRollsBackOnLatencyTooAndAsksOnlyForTheReleasesSeries() throws Exception {
        p99 = "3.5";
        p99AfterRollback = "0.08";
        int exit = run("auto-rollback.sh", "WATCH_SECONDS", "30", "CHECK_INTERVAL", "1", "VERIFY_SECONDS", "20");
        assertThat(exit).as(output("auto-rollback.sh")).isEqualTo(2);
        assertThat(output("auto-rollback.sh")).contains("p99 latency 3.5s is above 2s: rolling nexus-gateway back", "rollback verified");
        assertThat(queries).isNotEmpty().allSatisfy(query -> assertThat(query).contains("namespace=\"gateways\",service=\"nexus-gateway-admin\""));
    }

    @Test
    void aRollbackIsVerifiedOnlyOnceEnoughRequestsCameAfterIt() throws Exception {
        ratio = "0.5";
        requests = "3";
        int exit = run("auto-rollback.sh", "WATCH_SECONDS", "30", "CHECK_INTERVAL", "1", "VERIFY_SECONDS", "3");
        assertThat(exit).as(output("auto-rollback.sh")).isEqualTo(3);
        assertThat(output("auto-rollback.sh")).contains("3 requests in the", "waiting for 20", "was not verified");
    }

    @Test
    void noSeriesOfTheReleaseIsNeverReadAsHealthy() throws Exception {
        prometheus.removeContext("/api/v1/query");
        prometheus.createContext("/api/v1/query", exchange -> answer(exchange, 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}"));
        int exit = run("auto-rollback.sh", "WATCH_SECONDS", "30", "CHECK_INTERVAL", "0", "MAX_QUERY_FAILURES", "3");
        assertThat(exit).as(output("auto-rollback.sh")).isEqualTo(4);
        assertThat(output("auto-rollback.sh")).contains("holds no series of the release", "cannot judge the release");
        assertThat(calls()).isEmpty();
    }
}
