package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.reload.LastKnownGood;
import io.nexus.gateway.testing.RecordingUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/auto-rollback.sh against a real Prometheus scraping a real gateway whose release
 * goes bad. The `helm` on PATH is a recording stand-in whose rollback undoes the bad change
 * through the gateway's admin API, as a release rollback would restore the good release.
 */
class AutoRollbackTest {

    static final String TOKEN = "auto-rollback-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    RecordingUpstream upstream;
    TestGateway gateway;
    PrometheusServer prometheus;
    Path config;
    Thread traffic;
    final AtomicBoolean running = new AtomicBoolean(true);

    @BeforeEach
    void start() throws Exception {
        upstream = RecordingUpstream.start("up");
        config = dir.resolve("gateway.conf");
        Files.writeString(config, config(""));
        gateway = TestGateway.startFromFile(config, LastKnownGood.disabled(), MiddlewareRegistry.defaults());
        prometheus = PrometheusServer.start(Files.createDirectory(dir.resolve("prometheus")), gateway.gateway.adminPort(), List.of());
        // Steady traffic for the whole test, bounded in time.
        traffic = Thread.ofVirtual().start(() -> {
            long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (running.get() && System.nanoTime() < end) {
                try {
                    gateway.get("/api/x");
                    Thread.sleep(20); // pacing the load, not waiting for a state
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // counted by the gateway's metrics; the loop goes on
                }
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        running.set(false);
        traffic.join(Duration.ofSeconds(10));
        prometheus.close();
        gateway.close();
        upstream.close();
    }

    private String config(String routeExtra) {
        return TestGateway.baseConfig() + """
            nexus {
              admin.token = "%s"
              config.watch = false
              upstreams { up { targets = ["%s"], circuit-breaker.enabled = false } }
              routes = [{ name = "api", path = "/api", upstream = "up" %s }]
            }
            """.formatted(TOKEN, upstream.url(), routeExtra);
    }

    /** A `helm` that records its arguments; `helm rollback` restores config version 1 through the admin API. */
    private Path fakeHelm() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path helm = bin.resolve("helm");
        Files.writeString(helm, """
            #!/bin/sh
            echo "helm $*" >> "%s"
            if [ "$1" = rollback ]; then
              curl -sf -X POST -H "Authorization: Bearer %s" "http://127.0.0.1:%d/api/v1/config/rollback?to=1" > /dev/null
            fi
            """.formatted(dir.resolve("helm.log"), TOKEN, gateway.gateway.adminPort()));
        Files.setPosixFilePermissions(helm, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    private Process runScript(Path bin, int watchSeconds) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", Path.of("..", "scripts", "auto-rollback.sh").toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("auto-rollback.log").toFile());
        Map<String, String> env = builder.environment();
        env.put("PATH", bin + ":" + env.get("PATH"));
        env.put("PROMETHEUS_URL", prometheus.url());
        env.put("WATCH_SECONDS", Integer.toString(watchSeconds));
        env.put("CHECK_INTERVAL", "1");
        env.put("WINDOW", "10s");
        env.put("VERIFY_SECONDS", "60");
        env.put("MAX_ERROR_RATIO", "0.05");
        return builder.start();
    }

    private String scriptLog() throws Exception {
        return Files.readString(dir.resolve("auto-rollback.log"));
    }

    @Test
    void aBadReleaseIsRolledBackAndTheRollbackVerified() throws Exception {
        Path bin = fakeHelm();
        // The bad release: every request to the route fails.
        Files.writeString(config, config(", fault { abort-status = 503, abort-percent = 100 }"));
        JsonNode reload = JSON.readTree(TestGateway.send(gateway.adminRequest("/api/v1/config/reload").method("POST")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN))).getContentAsString());
        assertThat(reload.path("version").path("id").asInt()).isEqualTo(2);

        Process script = runScript(bin, 90);
        assertThat(script.waitFor(150, TimeUnit.SECONDS)).as("auto-rollback finished").isTrue();
        assertThat(script.exitValue()).as(scriptLog()).isEqualTo(2);
        assertThat(Files.readAllLines(dir.resolve("helm.log")))
            .containsExactly("helm rollback nexus-gateway 0 --namespace gateways --wait --timeout 5m");
        assertThat(scriptLog()).contains("is above 0.05: rolling nexus-gateway back").contains("rollback verified");
        JsonNode live = JSON.readTree(TestGateway.send(gateway.adminRequest("/api/v1/config")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN))).getContentAsString());
        assertThat(live.path("source").asText()).isEqualTo("rollback");
        assertThat(live.path("restored_from").asInt()).isEqualTo(1);
    }

    @Test
    void aHealthyReleaseIsLeftAlone() throws Exception {
        Path bin = fakeHelm();
        Process script = runScript(bin, 5);
        assertThat(script.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(script.exitValue()).as(scriptLog()).isZero();
        assertThat(dir.resolve("helm.log")).doesNotExist();
        assertThat(scriptLog()).contains("no rollback needed");
    }
}
