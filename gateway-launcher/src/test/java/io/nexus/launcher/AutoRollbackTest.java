package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/auto-rollback.sh against a real Prometheus scraping a real gateway whose upstream
 * starts failing after a deploy. The `helm` on PATH is a recording stand-in; when it is asked to
 * roll back, the test heals the upstream, as restoring the previous release would.
 */
@Tag("prometheus")
@Tag("slow")
class AutoRollbackTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config("""
            nexus {
              upstreams { up { targets = [${upstreams.up}], circuit-breaker.enabled = false, health-check.passive.enabled = false } }
              routes = [{ name = "api", path = "/api", upstream = "up" }]
            }
            """)
        .perMethod()
        .build();

    @TempDir
    Path dir;
    RecordingUpstream upstream;
    PrometheusServer prometheus;
    Thread traffic;
    final AtomicBoolean running = new AtomicBoolean(true);

    @BeforeEach
    void start() throws Exception {
        upstream = nexus.upstream("up");
        TestGateway gateway = nexus.gateway();
        prometheus = PrometheusServer.start(Files.createDirectory(dir.resolve("prometheus")), gateway.adminPort(), List.of());
        // Steady traffic for the whole test, one request after the other, bounded in time.
        traffic = Thread.ofVirtual().name("auto-rollback-traffic").start(() -> {
            long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (running.get() && System.nanoTime() < end) {
                try {
                    gateway.get("/api/x");
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // counted by the gateway's metrics; the loop goes on
                }
            }
        });
    }

    /** Traffic and Prometheus stop first; the extension then stops the client, the gateway and the upstream. */
    @AfterEach
    void stop() throws Exception {
        running.set(false);
        traffic.join(Duration.ofSeconds(10));
        prometheus.close();
    }

    /** A `helm` that records its arguments. */
    private Path fakeHelm() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path helm = bin.resolve("helm");
        Files.writeString(helm, """
            #!/bin/sh
            echo "helm $*" >> "%s"
            """.formatted(dir.resolve("helm.log")));
        Files.setPosixFilePermissions(helm, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    /** The watch with a 2-minute-like window: long enough to still hold the bad release's 5xx after the rollback. */
    private Process runScript(Path bin, int watchSeconds) throws Exception {
        return runScript(bin, watchSeconds, 20);
    }

    private Process runScript(Path bin, int watchSeconds, int verifySeconds) throws Exception {
        // As after a deploy, the watch starts once Prometheus holds a rate of the release's requests.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
            !prometheus.query("sum(rate(nexus_requests_total[60s]))").path("data").path("result").isEmpty());
        ProcessBuilder builder = new ProcessBuilder("bash", Path.of("..", "scripts", "auto-rollback.sh").toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("auto-rollback.log").toFile());
        Map<String, String> env = builder.environment();
        env.put("PATH", bin + ":" + env.get("PATH"));
        env.put("PROMETHEUS_URL", prometheus.url());
        env.put("WATCH_SECONDS", Integer.toString(watchSeconds));
        env.put("CHECK_INTERVAL", "1");
        env.put("WINDOW", "60s");
        env.put("VERIFY_SECONDS", Integer.toString(verifySeconds));
        // The series of the gateway under test: the job of the test's Prometheus (in a cluster,
        // the default selects the release's namespace and admin Service).
        env.put("METRICS_SELECTOR", "job=\"nexus\"");
        env.put("MAX_ERROR_RATIO", "0.05");
        return builder.start();
    }

    private String scriptLog() throws Exception {
        return Files.readString(dir.resolve("auto-rollback.log"));
    }

    /**
     * The window (60 s) still holds the bad release's 5xx when the rollback is done: the
     * verification must look only at what came after it, or a good rollback is reported failed.
     */
    @Test
    void aFailingUpstreamAfterADeployIsRolledBackAndTheRollbackVerifiedOnSamplesAfterIt() throws Exception {
        Path bin = fakeHelm();
        upstream.answerAll(503);

        Process script = runScript(bin, 90);
        // The "previous release" is a healthy upstream: heal it once helm is asked to roll back.
        Path helmLog = dir.resolve("helm.log");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(helmLog) || !script.isAlive());
        upstream.answerAll(0);

        assertThat(script.waitFor(120, TimeUnit.SECONDS)).as("auto-rollback finished").isTrue();
        assertThat(script.exitValue()).as(scriptLog()).isEqualTo(2);
        assertThat(Files.readAllLines(helmLog)).containsExactly("helm rollback nexus-gateway 0 --namespace gateways --wait --timeout 5m");
        assertThat(scriptLog()).contains("is above 0.05: rolling nexus-gateway back").contains("rollback verified");
        double badInWindow = prometheus.query("sum(increase(nexus_requests_total{code=\"503\"}[60s]))")
            .path("data").path("result").path(0).path("value").path(1).asDouble();
        assertThat(badInWindow).as("the window the watch used still held the bad release's 5xx").isGreaterThan(0);
    }

    @Test
    void aRollbackThatDoesNotHelpIsReportedNotVerified() throws Exception {
        Path bin = fakeHelm();
        upstream.answerAll(503);
        Process script = runScript(bin, 90, 6);
        assertThat(script.waitFor(120, TimeUnit.SECONDS)).as("auto-rollback finished").isTrue();
        assertThat(script.exitValue()).as(scriptLog()).isEqualTo(3);
        assertThat(scriptLog()).contains("rolling nexus-gateway back").contains("after the rollback: 5xx ratio").contains("was not verified");
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
