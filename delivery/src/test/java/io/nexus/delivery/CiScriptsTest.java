package io.nexus.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scripts the Jenkinsfile calls, run for real with recording stand-ins for helm and kubectl. */
class CiScriptsTest {

    @TempDir
    Path dir;
    Path bin;
    Path calls;
    HttpServer prometheus;
    volatile String ratio = "0";

    @BeforeEach
    void fakes() throws Exception {
        bin = Files.createDirectory(dir.resolve("bin"));
        calls = dir.resolve("calls.log");
        for (String tool : List.of("helm", "kubectl")) {
            Path fake = bin.resolve(tool);
            Files.writeString(fake, "#!/bin/sh\necho \"" + tool + " $*\" >> \"" + calls + "\"\n");
            Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        // Answers Prometheus's query API with the error ratio the test sets.
        prometheus = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        prometheus.createContext("/api/v1/query", exchange -> {
            byte[] body = ("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1700000000,\""
                + ratio + "\"]}]}}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        prometheus.start();
    }

    @AfterEach
    void stop() {
        prometheus.stop(0);
    }

    private int run(String script) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", Path.of("..", "scripts", "ci", script).toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve(script + ".out").toFile());
        Map<String, String> env = builder.environment();
        env.put("PATH", bin + ":" + env.get("PATH"));
        env.put("TAG", "abc123");
        env.put("PROMETHEUS_URL", "http://127.0.0.1:" + prometheus.getAddress().getPort());
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(script + " finished").isTrue();
        return process.exitValue();
    }

    private List<String> calls() throws IOException {
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    @Test
    void deployUpgradesAtomicallyWithATimeout() throws Exception {
        assertThat(run("deploy.sh")).isZero();
        assertThat(calls()).singleElement().asString()
            .startsWith("helm upgrade --install nexus-gateway ")
            .contains("/helm/nexus-gateway --namespace gateways --create-namespace --atomic --timeout 5m")
            .contains("--set image.repository=ghcr.io/nexus/nexus-gateway --set image.tag=abc123");
    }

    @Test
    void rollbackGoesToThePreviousRevisionAndWaits() throws Exception {
        assertThat(run("rollback.sh")).isZero();
        assertThat(calls()).containsExactly("helm rollback nexus-gateway 0 --namespace gateways --wait --timeout 5m");
    }

    @Test
    void verifyPassesUnderTheErrorThresholdAndFailsAboveIt() throws Exception {
        ratio = "0.01";
        assertThat(run("verify.sh")).isZero();
        assertThat(calls()).containsExactly("kubectl rollout status deployment/nexus-gateway --namespace gateways --timeout 5m");
        ratio = "0.2";
        assertThat(run("verify.sh")).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("verify.sh.out"))).contains("5xx ratio 0.2 is above 0.05");
    }
}
