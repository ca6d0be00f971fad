package io.nexus.launcher;

import io.nexus.gateway.testing.RecordingUpstream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The launcher as operators run it: a separate JVM, real signals, real exit codes. */
class LauncherProcessTest {

    /** Upstreams only: the gateway here is a separate JVM, started by each test. */
    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("slow")
        .recordingUpstream("kept")
        .perMethod()
        .build();

    @TempDir
    Path dir;
    LauncherProcess launcher;
    Process process;
    Path log;
    HttpClient client;

    @BeforeEach
    void startClient() throws Exception {
        client = new HttpClient();
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        client.stop();
    }

    private Process launch(String... args) throws IOException {
        return launch(Map.of(), List.of(), args);
    }

    /** The launcher with extra environment variables and JVM options. */
    private Process launch(Map<String, String> environment, List<String> jvmOptions, String... args) throws IOException {
        launcher = LauncherProcess.start(dir, environment, jvmOptions, args);
        process = launcher.process;
        log = launcher.log;
        return process;
    }

    private String output() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    @Test
    void badConfigStopsStartUpWithOneLineNamingFileLineAndKey() throws Exception {
        Path config = dir.resolve("gateway.conf");
        Files.writeString(config, """
            nexus {
              upstreams { api { targets = ["http://127.0.0.1:1"] } }
              routes = [
                { name = "users", path = "/users", upstream = "missing" }
              ]
            }
            """);
        Process launched = launch("--config", config.toString());
        assertThat(launched.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(launched.exitValue()).isEqualTo(NexusLauncher.EXIT_BAD_CONFIG);
        List<String> lines = output().lines().toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("nexus: invalid configuration: ")
            .contains("routes[0].upstream: unknown upstream \"missing\"")
            .contains(config + ":4");
    }

    @Test
    void missingConfigFileIsABadConfig() throws Exception {
        Process launched = launch("--config", dir.resolve("nope.conf").toString());
        assertThat(launched.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(launched.exitValue()).isEqualTo(NexusLauncher.EXIT_BAD_CONFIG);
        assertThat(output()).contains("nope.conf").contains("not found");
    }

    @Test
    void sigtermDrainsInFlightRequestsAndExitsZero() throws Exception {
        RecordingUpstream upstream = nexus.upstream("slow");
        Path config = dir.resolve("gateway.conf");
        Files.writeString(config, nexus.resolve("""
            nexus {
              server { host = "127.0.0.1", port = 0, shutdown { drain-delay = 1s, timeout = 10s } }
              admin { port = 0 }
              upstreams { slow { targets = [${upstreams.slow}] } }
              routes = [{ name = "slow", path = "/", upstream = "slow" }]
            }
            """));
        launch("--config", config.toString());
        Matcher ports = awaitListening();
        String publicUrl = "http://127.0.0.1:" + ports.group(1);
        String adminUrl = "http://127.0.0.1:" + ports.group(2);

        CompletableFuture<ContentResponse> inFlight =
            new CompletableResponseListener(client.newRequest(publicUrl + "/hold").timeout(20, TimeUnit.SECONDS), 1024).send();
        await().atMost(Duration.ofSeconds(10)).until(() -> upstream.holding() == 1);

        process.destroy(); // SIGTERM
        await().atMost(Duration.ofSeconds(10)).until(() ->
            client.newRequest(adminUrl + "/readyz").timeout(2, TimeUnit.SECONDS).send().getStatus() == 503);
        upstream.release();

        assertThat(inFlight.get(15, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(output()).contains("SIGTERM received: draining").contains("1 requests in flight").contains("Nexus stopped");
    }

    @Test
    void restartWithABrokenFileStartsOnTheLastKnownGoodCopy() throws Exception {
        Path config = dir.resolve("gateway.conf");
        String good = nexus.resolve("""
            nexus {
              server { host = "127.0.0.1", port = 0, shutdown { drain-delay = 0s } }
              admin { port = 0 }
              upstreams { kept { targets = [${upstreams.kept}] } }
              routes = [{ name = "kept", path = "/kept", upstream = "kept" }]
            }
            """);
        Files.writeString(config, good);
        launch("--config", config.toString());
        awaitListening();
        process.destroy();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(dir.resolve("state/last-known-good.conf")))
            .isEqualTo("# nexus last-known-good copy of " + config.toAbsolutePath().normalize() + "\n" + good);

        // The mounted file breaks while the gateway is down.
        Files.writeString(config, good.replace("upstream = \"kept\"", "upstream = \"gone\""));
        launch("--config", config.toString());
        Matcher ports = awaitListening();
        assertThat(output()).contains("STARTED ON THE LAST-KNOWN-GOOD CONFIG").contains("routes[0].upstream: unknown upstream \"gone\"");
        ContentResponse response = client.newRequest("http://127.0.0.1:" + ports.group(1) + "/kept/x").timeout(5, TimeUnit.SECONDS).send();
        assertThat(response.getStatus()).isEqualTo(200);
        String metrics = client.newRequest("http://127.0.0.1:" + ports.group(2) + "/metrics").timeout(5, TimeUnit.SECONDS).send()
            .getContentAsString();
        assertThat(metrics).contains("nexus_config_last_known_good_active 1.0");
    }

    /** A config that starts, on the "kept" upstream, with the admin token given. */
    private String goodConfig(String token) {
        return nexus.resolve("""
            nexus {
              server { host = "127.0.0.1", port = 0, shutdown { drain-delay = 0s } }
              admin { port = 0, token = "%s" }
              upstreams { kept { targets = [${upstreams.kept}] } }
              routes = [{ name = "kept", path = "/kept", upstream = "kept" }]
            }
            """.formatted(token));
    }

    private void runOnceAndStop(Path config) throws Exception {
        launch("--config", config.toString());
        awaitListening();
        process.destroy();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    /** Finding 8 of issue 13: a gateway with a broken file started on the copy another gateway saved. */
    @Test
    void aCopySavedFromAnotherConfigFileIsRefusedAndStartUpExits2() throws Exception {
        Path other = dir.resolve("other-gateway.conf");
        Files.writeString(other, goodConfig("someone-elses-token-0123456789"));
        runOnceAndStop(other);
        assertThat(dir.resolve("state/last-known-good.conf")).exists();

        Path mine = dir.resolve("gateway.conf");
        Files.writeString(mine, "nexus { routes = [{ name = \"x\", path = \"/x\", upstream = \"missing\" }] }");
        Process launched = launch("--config", mine.toString());
        assertThat(launched.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(launched.exitValue()).isEqualTo(NexusLauncher.EXIT_BAD_CONFIG);
        assertThat(output()).contains("Not using the last-known-good copy")
            .contains("it was saved from " + other.toAbsolutePath().normalize() + ", not from " + mine.toAbsolutePath().normalize())
            .contains("unknown upstream \"missing\"");
    }

    /** Finding 8 of issue 13: whoever can write the copy chooses the admin token of the next start. */
    @Test
    void aCopyOthersCanWriteIsRefused() throws Exception {
        Path config = dir.resolve("gateway.conf");
        String good = goodConfig("the-operators-token-0123456789");
        Files.writeString(config, good);
        runOnceAndStop(config);
        Path copy = dir.resolve("state/last-known-good.conf");
        Files.writeString(copy, Files.readString(copy).replace("the-operators-token-0123456789", "a-planted-admin-token-0123456"));
        Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));

        Files.writeString(config, good.replace("upstream = \"kept\"", "upstream = \"gone\""));
        Process launched = launch("--config", config.toString());
        assertThat(launched.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(launched.exitValue()).isEqualTo(NexusLauncher.EXIT_BAD_CONFIG);
        assertThat(output()).contains("Not using the last-known-good copy " + copy).contains("can be written by other users (rw-rw-rw-)");

        // The same for a directory others can write, even when the file itself is private.
        Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(copy.getParent(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        launched = launch("--config", config.toString());
        assertThat(launched.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(launched.exitValue()).isEqualTo(NexusLauncher.EXIT_BAD_CONFIG);
        assertThat(output()).contains("its directory " + copy.getParent() + " can be written by other users (rwxrwxrwx)");
    }

    /** Finding 8 of issue 13: the default was /tmp/nexus/last-known-good.conf, shared by every gateway on the host. */
    @Test
    void byDefaultTheCopyIsInAPrivateDirectoryOnePerConfigFile() throws Exception {
        Path state = dir.resolve("xdg-state");
        Path config = dir.resolve("gateway.conf");
        Files.writeString(config, goodConfig("the-operators-token-0123456789"));
        launch(Map.of("XDG_STATE_HOME", state.toString(), "NEXUS_LAST_KNOWN_GOOD", ""), List.of(), "--config", config.toString());
        awaitListening();
        Path directory = state.resolve("nexus");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.isDirectory(directory));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(directory))).isEqualTo("rwx------");
        try (var copies = Files.list(directory)) {
            List<Path> files = copies.toList();
            assertThat(files).singleElement().satisfies(copy -> {
                assertThat(copy.getFileName().toString()).matches("last-known-good-[0-9a-f]{16}\\.conf");
                assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(copy))).isEqualTo("rw-------");
                assertThat(Files.readString(copy)).startsWith("# nexus last-known-good copy of " + config.toAbsolutePath().normalize() + "\n");
            });
        }
    }

    /** Finding 1 of issue 13: a JFR recording left the host with the environment and the JVM's arguments. */
    @Test
    void jfrRecordingCarriesNoEnvironmentSystemPropertiesOrArguments() throws Exception {
        String envSecret = "env-secret-" + Long.toHexString(System.nanoTime()) + "-0123456789abcdef";
        String propertySecret = "property-secret-" + Long.toHexString(System.nanoTime());
        String token = "jfr-admin-token-0123456789abcdef";
        Path config = dir.resolve("gateway.conf");
        Files.writeString(config, nexus.resolve("""
            nexus {
              server { host = "127.0.0.1", port = 0, shutdown { drain-delay = 0s } }
              admin { port = 0, token = "%s" }
              auth { jwt { type = jwt, algorithms = [HS256], hmac-secret = ${?JFR_TEST_JWT_SECRET}, issuer = "i" } }
              upstreams { kept { targets = [${upstreams.kept}] } }
              routes = [{ name = "kept", path = "/kept", upstream = "kept", auth = "jwt" }]
            }
            """.formatted(token)));
        launch(Map.of("JFR_TEST_JWT_SECRET", envSecret), List.of("-Dnexus.test.secret=" + propertySecret), "--config", config.toString());
        Matcher ports = awaitListening();
        String adminUrl = "http://127.0.0.1:" + ports.group(2);

        ContentResponse started = client.newRequest(adminUrl + "/api/v1/debug/jfr?duration=1s").method("POST")
            .headers(h -> h.put("Authorization", "Bearer " + token)).timeout(10, TimeUnit.SECONDS).send();
        assertThat(started.getStatus()).as(started.getContentAsString()).isEqualTo(202);
        String file = started.getHeaders().get("Location");
        ContentResponse[] download = new ContentResponse[1];
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
            download[0] = client.newRequest(adminUrl + file).headers(h -> h.put("Authorization", "Bearer " + token))
                .timeout(10, TimeUnit.SECONDS).send();
            return download[0].getStatus() == 200;
        });
        Path jfr = dir.resolve("recording.jfr");
        Files.write(jfr, download[0].getContent());

        List<String> types = new java.util.ArrayList<>();
        try (jdk.jfr.consumer.RecordingFile recording = new jdk.jfr.consumer.RecordingFile(jfr)) {
            while (recording.hasMoreEvents()) {
                jdk.jfr.consumer.RecordedEvent event = recording.readEvent();
                types.add(event.getEventType().getName());
                String text = event.toString();
                assertThat(text).as(event.getEventType().getName()).doesNotContain(envSecret).doesNotContain(propertySecret);
            }
        }
        assertThat(types).isNotEmpty().doesNotContain("jdk.InitialEnvironmentVariable", "jdk.InitialSystemProperty", "jdk.JVMInformation");
        // Nowhere in the file either, not even in the constant pools that no event reached.
        String bytes = new String(Files.readAllBytes(jfr), StandardCharsets.ISO_8859_1);
        assertThat(bytes).doesNotContain(envSecret).doesNotContain(propertySecret);
    }

    /**
     * Issue 18: scripts/run-gateway.sh and the image start the JVM with {@code -XX:AOTCache}; a
     * cache it cannot use (damaged, or written by another JDK build) is skipped with a warning.
     */
    @Test
    void anAotCacheTheJvmCannotUseIsSkippedAndTheGatewayStarts() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "the AOT cache options need JDK 25");
        Path cache = dir.resolve("nexus-gateway.aot");
        Files.write(cache, new byte[64 * 1024]);
        Path config = dir.resolve("gateway.conf");
        Files.writeString(config, nexus.resolve("""
            nexus {
              server { host = "127.0.0.1", port = 0, shutdown { drain-delay = 0s } }
              admin { port = 0 }
              upstreams { kept { targets = [${upstreams.kept}] } }
              routes = [{ name = "kept", path = "/kept", upstream = "kept" }]
            }
            """));
        launch(Map.of(), List.of("-XX:AOTCache=" + cache), "--config", config.toString());
        Matcher ports = awaitListening();

        assertThat(client.newRequest("http://127.0.0.1:" + ports.group(1) + "/kept/x").timeout(10, TimeUnit.SECONDS).send().getStatus())
            .isEqualTo(200);
        assertThat(output()).contains("[aot]").contains("Unable to map shared spaces");
    }

    private Matcher awaitListening() {
        return launcher.awaitListening();
    }
}
