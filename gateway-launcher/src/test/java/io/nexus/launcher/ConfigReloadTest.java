package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.testing.RecordingUpstream;
import io.nexus.gateway.upstream.Upstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Destination;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Hot reload through real files: edits, Kubernetes-style symlink swaps, the reload endpoint. */
class ConfigReloadTest {

    static final String TOKEN = "reload-test-token-0123456789";

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("alpha")
        .recordingUpstream("beta")
        .perMethod()
        .build();

    @TempDir
    Path dir;
    TestGateway gateway;

    /** A complete config file: the test base, both upstreams, and the routes given. */
    private String config(String routes, String extra) {
        return nexus.configText("""
            nexus {
              admin.token = "%s"
              config { poll-interval = 200ms, max-history = 4 }
              upstreams {
                alpha { targets = [${upstreams.alpha}] }
                beta { targets = [${upstreams.beta}] }
              }
              routes = [
                %s
              ]
              %s
            }
            """.formatted(TOKEN, routes, extra));
    }

    private void startFromFile(Path file, String text) throws Exception {
        Files.writeString(file, text);
        gateway = nexus.startGatewayFromFile(file, dir.resolve("lkg.conf"));
    }

    private String servedBy(String path) throws Exception {
        ContentResponse response = gateway.get(path);
        return response.getStatus() == 200 ? response.getHeaders().get("X-Upstream") : Integer.toString(response.getStatus());
    }

    private ContentResponse admin(String method, String path) throws Exception {
        return TestGateway.send(gateway.adminRequest(path).method(method).headers(h -> h.put("Authorization", "Bearer " + TOKEN)));
    }

    /** Replaces a file the way editors do: write a temp file beside it, then rename over it. */
    private static void replace(Path file, String text) throws Exception {
        Path temp = file.resolveSibling(file.getFileName() + ".swp");
        Files.writeString(temp, text);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void editingTheFileAddsChangesAndRemovesRoutes() throws Exception {
        Path file = dir.resolve("gateway.conf");
        startFromFile(file, config("{ name = \"a\", path = \"/a\", upstream = \"alpha\" }", ""));
        assertThat(servedBy("/a")).isEqualTo("alpha");
        assertThat(servedBy("/b")).isEqualTo("404");

        replace(file, config("""
            { name = "a", path = "/a", upstream = "beta" }
            { name = "b", path = "/b", upstream = "alpha" }
            """, ""));
        await().atMost(Duration.ofSeconds(5)).until(() -> servedBy("/b").equals("alpha"));
        assertThat(servedBy("/a")).isEqualTo("beta");

        Files.writeString(file, config("{ name = \"b\", path = \"/b\", upstream = \"alpha\" }", ""));
        await().atMost(Duration.ofSeconds(5)).until(() -> servedBy("/a").equals("404"));
        gateway.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_config_reloads_total{result=\"success\"} 2.0")
            .containsPattern("nexus_config_version_info\\{sha256=\"[0-9a-f]{64}\",version=\"3\"} 1"));
    }

    @Test
    void kubernetesConfigMapSymlinkSwapIsPickedUp() throws Exception {
        // The layout kubelet writes: gateway.conf -> ..data/gateway.conf, ..data -> ..<timestamp>
        Path first = Files.createDirectory(dir.resolve("..2026_11_25_first"));
        Files.writeString(first.resolve("gateway.conf"), config("{ name = \"a\", path = \"/a\", upstream = \"alpha\" }", ""));
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Path file = dir.resolve("gateway.conf");
        Files.createSymbolicLink(file, Path.of("..data", "gateway.conf"));
        gateway = nexus.startGatewayFromFile(file);
        assertThat(servedBy("/a")).isEqualTo("alpha");

        Path second = Files.createDirectory(dir.resolve("..2026_11_25_second"));
        Files.writeString(second.resolve("gateway.conf"), config("{ name = \"a\", path = \"/a\", upstream = \"beta\" }", ""));
        Path temp = Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
        Files.move(temp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        await().atMost(Duration.ofSeconds(5)).until(() -> servedBy("/a").equals("beta"));
    }

    @Test
    void invalidEditKeepsServingTheRunningConfigAndCountsAFailure() throws Exception {
        Path file = dir.resolve("gateway.conf");
        startFromFile(file, config("{ name = \"a\", path = \"/a\", upstream = \"alpha\" }", ""));

        replace(file, config("{ name = \"a\", path = \"/a\", upstream = \"nowhere\" }", ""));
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_config_reloads_total{result=\"failure\"} 1.0"));
        assertThat(servedBy("/a")).isEqualTo("alpha");
        assertThat(gateway.metrics()).containsPattern("nexus_config_version_info\\{sha256=\"[0-9a-f]{64}\",version=\"1\"} 1");

        ContentResponse reload = admin("POST", "/api/v1/config/reload");
        assertThat(reload.getStatus()).isEqualTo(422);
        assertThat(reload.getContentAsString()).contains("\"code\" : \"invalid_config\"")
            .contains("routes[0].upstream: unknown upstream \\\"nowhere\\\" (" + file + ":");

        replace(file, config("{ name = \"a\", path = \"/a\", upstream = \"beta\" }", ""));
        await().atMost(Duration.ofSeconds(5)).until(() -> servedBy("/a").equals("beta"));
        assertThat(Files.readString(dir.resolve("lkg.conf"))).contains("upstream = \"beta\"");
    }

    @Test
    void noRequestFailsDuringTwentyReloads() throws Exception {
        Path file = dir.resolve("gateway.conf");
        startFromFile(file, config("{ name = \"a\", path = \"/a\", upstream = \"alpha\" }", "config.watch = false"));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Thread client = Thread.ofVirtual().name("reload-traffic").start(() -> {
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (running.get() && System.nanoTime() < end) {
                try {
                    int status = gateway.get("/a/x").getStatus();
                    (status == 200 ? ok : failed).incrementAndGet();
                } catch (Exception e) {
                    failed.incrementAndGet();
                }
            }
        });
        try {
            for (int i = 1; i <= 20; i++) {
                String upstream = i % 2 == 0 ? "alpha" : "beta";
                Files.writeString(file, config("{ name = \"a\", path = \"/a\", upstream = \"" + upstream + "\", request-timeout = " + i + "s }",
                    "config.watch = false"));
                ContentResponse reload = admin("POST", "/api/v1/config/reload");
                assertThat(reload.getStatus()).as(reload.getContentAsString()).isEqualTo(200);
                assertThat(reload.getContentAsString()).contains("\"result\" : \"applied\"");
                int before = ok.get();
                await().atMost(Duration.ofSeconds(5)).until(() -> ok.get() > before);
            }
        } finally {
            running.set(false);
            client.join(Duration.ofSeconds(10));
        }
        assertThat(failed.get()).isZero();
        assertThat(ok.get()).isGreaterThanOrEqualTo(20);
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_config_reloads_total{result=\"success\"} 20.0"));
    }

    @Test
    void reloadOfUnchangedContentIsANoOp() throws Exception {
        Path file = dir.resolve("gateway.conf");
        startFromFile(file, config("{ name = \"a\", path = \"/a\", upstream = \"alpha\" }", "config.watch = false"));
        ContentResponse reload = admin("POST", "/api/v1/config/reload");
        assertThat(reload.getStatus()).isEqualTo(200);
        assertThat(reload.getContentAsString()).contains("\"result\" : \"unchanged\"").contains("\"id\" : 1");
    }

    /** Writes the file and applies it through the reload endpoint. */
    private void reload(Path file, String text) throws Exception {
        Files.writeString(file, text);
        ContentResponse reload = admin("POST", "/api/v1/config/reload");
        assertThat(reload.getStatus()).as(reload.getContentAsString()).isEqualTo(200);
        assertThat(reload.getContentAsString()).contains("\"result\" : \"applied\"");
    }

    private Upstream live(String upstream) {
        return gateway.embedded().gateway().snapshot().upstreams().get(upstream);
    }

    /** Idle connections in the pools of the live upstream's client. */
    private int idleConnections(String upstream) {
        int idle = 0;
        for (Destination destination : live(upstream).client().getDestinations()) {
            idle += ((AbstractConnectionPool) destination.getConnectionPool()).getIdleConnectionCount();
        }
        return idle;
    }

    /** Sends {@code n} requests at once, each answered 200 ms late so that each needs a connection of its own. */
    private void sendConcurrently(String path, int n) throws Exception {
        List<CompletableFuture<ContentResponse>> responses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            responses.add(new CompletableResponseListener(gateway.request(path).headers(h -> h.put(RecordingUpstream.DELAY_HEADER, "200")))
                .send());
        }
        for (CompletableFuture<ContentResponse> response : responses) {
            assertThat(response.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        }
    }

    @Test
    void anUnchangedUpstreamKeepsItsConnectionsAcrossTwentyReloads() throws Exception {
        RecordingUpstream alpha = nexus.upstream("alpha");
        RecordingUpstream beta = nexus.upstream("beta");
        Path file = dir.resolve("gateway.conf");
        String routes = "{ name = \"a\", path = \"/a\", upstream = \"alpha\" }\n{ name = \"b\", path = \"/b0\", upstream = \"beta\" }";
        startFromFile(file, config(routes, "config.watch = false"));
        Upstream alphaUpstream = live("alpha");
        sendConcurrently("/a/warm", 4);
        // A connection goes back to the pool just after its response reached the client. Jetty's
        // client may open one more than the requests in flight when they queue while it connects
        // (a busy machine): what counts is that no reload opens or closes any.
        await().atMost(Duration.ofSeconds(5)).until(() -> idleConnections("alpha") == alpha.openConnections());
        assertThat(alpha.acceptedConnections()).isGreaterThanOrEqualTo(4);

        for (int i = 1; i <= 20; i++) {
            // A route's path and the other upstream change; alpha's settings stay as they are.
            reload(file, config(routes.replace("/b0", "/b" + i), "config.watch = false\nupstreams.beta.idle-timeout = " + (60 + i) + "s"));
            sendConcurrently("/a/x" + i, 4);
            assertThat(servedBy("/b" + i + "/y")).isEqualTo("beta");
            await().atMost(Duration.ofSeconds(5)).until(() -> idleConnections("alpha") == alpha.openConnections());
        }

        assertThat(live("alpha")).isSameAs(alphaUpstream);
        // A new client per reload would have opened 4 connections each time (84 in all) and
        // closed the old ones; the kept client closed none and opened at most a spare or two.
        assertThat(alpha.openConnections()).isEqualTo(alpha.acceptedConnections());
        assertThat(alpha.acceptedConnections()).isBetween(4, 7);
        // Beta changed every time: a new client each reload, each old one closed once retired.
        assertThat(beta.acceptedConnections()).isEqualTo(20);
        await().atMost(Duration.ofSeconds(5)).until(() -> beta.openConnections() == 1);
    }

    @Test
    void aChangedUpstreamGetsANewClientAndTheOldOneClosesAfterItsLastRequest() throws Exception {
        RecordingUpstream alpha = nexus.upstream("alpha");
        Path file = dir.resolve("gateway.conf");
        String routes = "{ name = \"a\", path = \"/\", upstream = \"alpha\" }";
        startFromFile(file, config(routes, "config.watch = false"));
        CompletableFuture<ContentResponse> slow = new CompletableResponseListener(gateway.request("/hold"), 1024).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> alpha.holding() == 1);
        Upstream old = live("alpha");

        reload(file, config(routes, "config.watch = false\nupstreams.alpha.connect-timeout = 3s"));
        Upstream changed = live("alpha");
        assertThat(changed).isNotSameAs(old);
        assertThat(changed.client()).isNotSameAs(old.client());
        // New requests take the new client and its own connection; the old client still serves the slow one.
        assertThat(servedBy("/a/x")).isEqualTo("alpha");
        assertThat(alpha.acceptedConnections()).isEqualTo(2);
        assertThat(old.client().isRunning()).isTrue();

        alpha.release();
        assertThat(slow.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> old.client().isStopped());
        assertThat(changed.client().isRunning()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> alpha.openConnections() == 1);
        assertThat(servedBy("/a/x")).isEqualTo("alpha");
    }
}
