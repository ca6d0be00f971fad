package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config guard end to end: a real file watched, real upstreams, steady client traffic, and
 * the guard rolling a bad version back by itself (docs/runbook/config-guard.md).
 */
class ConfigGuardTest {

    static final String TOKEN = "guard-test-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("alpha")
        .refusingUpstream("dead")
        .perMethod()
        .build();

    @TempDir
    Path dir;
    Path file;
    TestGateway gateway;
    CapturedLog guardLog;
    final List<Thread> clients = new ArrayList<>();
    final AtomicBoolean traffic = new AtomicBoolean();
    final AtomicLong sent = new AtomicLong();

    @BeforeEach
    void captureGuardLog() throws Exception {
        guardLog = new CapturedLog("io.nexus.gateway.reload.ConfigGuard");
    }

    @AfterEach
    void stopTraffic() throws Exception {
        traffic.set(false);
        for (Thread client : clients) {
            client.join(10_000);
        }
        guardLog.close();
    }

    private String config(String guard, String orders) {
        return nexus.configText("""
            nexus {
              admin.token = "%s"
              config { poll-interval = 200ms, guard { %s } }
              upstreams {
                alpha { targets = [${upstreams.alpha}] }
                dead { targets = [${upstreams.dead}] }
              }
              routes = [
                { name = "orders", path = "/orders", match = prefix, %s }
                { name = "other", path = "/other", match = prefix, upstream = "alpha" }
              ]
            }
            """.formatted(TOKEN, guard, orders));
    }

    private static final String GUARD = "enabled = true, window = 4s, min-requests = 30";

    private void start(String text) throws Exception {
        file = dir.resolve("gateway.conf");
        Files.writeString(file, text);
        gateway = nexus.startGatewayFromFile(file, dir.resolve("lkg.conf"));
    }

    /** Replaces the file the way editors do: a temp file renamed over it. */
    private void replace(String text) throws Exception {
        Path temp = file.resolveSibling("gateway.conf.swp");
        Files.writeString(temp, text);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** {@code n} clients sending GET /orders back to back until the test ends. */
    private void steadyTraffic(int n) {
        traffic.set(true);
        for (int i = 0; i < n; i++) {
            clients.add(Thread.ofVirtual().start(() -> {
                while (traffic.get()) {
                    try {
                        gateway.get("/orders/item");
                        sent.incrementAndGet();
                    } catch (Exception e) {
                        // Counted by the gateway or not: the client just goes on.
                    }
                }
            }));
        }
    }

    private void awaitRequests(long count) {
        long target = sent.get() + count;
        await().atMost(Duration.ofSeconds(30)).until(() -> sent.get() >= target);
    }

    private JsonNode admin(String method, String path) throws Exception {
        ContentResponse response = TestGateway.send(gateway.adminRequest(path).method(method)
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN)));
        JsonNode json = JSON.readTree(response.getContentAsString());
        ((com.fasterxml.jackson.databind.node.ObjectNode) json).put("http_status", response.getStatus());
        return json;
    }

    private JsonNode versions() throws Exception {
        return admin("GET", "/api/v1/config/versions");
    }

    private int current() throws Exception {
        return versions().get("current").asInt();
    }

    private List<String> guardLines() {
        return guardLog.events.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void aRoutePointedAtAClosedPortIsRolledBackWithinTheWindowAndNotReapplied() throws Exception {
        start(config(GUARD, "upstream = \"alpha\""));
        steadyTraffic(4);
        awaitRequests(200);

        replace(config(GUARD, "upstream = \"dead\""));
        await().atMost(Duration.ofSeconds(10)).until(() -> current() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> current() == 3);

        JsonNode newest = versions().get("versions").get(0);
        JsonNode bad = versions().get("versions").get(1);
        assertThat(newest.get("source").asText()).isEqualTo("guard");
        assertThat(newest.get("restored_from").asInt()).isEqualTo(1);
        assertThat(newest.get("reason").asText()).startsWith("5xx ratio of").contains("allowed increase 0.050");
        Duration toRollback = Duration.between(Instant.parse(bad.get("applied_at").asText()), Instant.parse(newest.get("applied_at").asText()));
        System.out.printf("Guard rollback of a route pointed at a closed port: %d ms after the change%n", toRollback.toMillis());
        assertThat(toRollback).isLessThan(Duration.ofSeconds(4));
        assertThat(gateway.get("/orders/again").getStatus()).isEqualTo(200);
        gateway.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_config_guard_rollbacks_total{reason=\"error_ratio\"} 1.0")
            .contains("nexus_config_guard_rollbacks_total{reason=\"p99\"} 0.0"));
        assertThat(guardLines()).anyMatch(line -> line.startsWith("Config guard: rolling version 2 back to version 1: 5xx ratio of"));

        // The bad content stays in the file: the watcher leaves it alone, a plain API reload is
        // refused, and ?force=true applies it.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> current() == 3);
        JsonNode refused = admin("POST", "/api/v1/config/reload");
        assertThat(refused.get("http_status").asInt()).isEqualTo(422);
        assertThat(refused.toString()).contains("the config guard rolled this content").contains("?force=true");
        JsonNode forced = admin("POST", "/api/v1/config/reload?force=true");
        assertThat(forced.get("http_status").asInt()).isEqualTo(200);
        assertThat(current()).isEqualTo(4);
    }

    @Test
    void aRouteTenTimesSlowerIsRolledBackOnItsP99() throws Exception {
        start(config(GUARD, "upstream = \"alpha\""));
        steadyTraffic(4);
        awaitRequests(300);

        replace(config(GUARD, "upstream = \"alpha\", fault { delay = 150ms, delay-percent = 100 }"));
        await().atMost(Duration.ofSeconds(10)).until(() -> current() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> current() == 3);

        JsonNode newest = versions().get("versions").get(0);
        assertThat(newest.get("source").asText()).isEqualTo("guard");
        assertThat(newest.get("reason").asText()).startsWith("p99 of route \"orders\"").contains("allowed 2.0x");
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_config_guard_rollbacks_total{reason=\"p99\"} 1.0"));
    }

    @Test
    void aHarmlessChangeIsKeptAndSaysWhatWasCompared() throws Exception {
        String guard = "enabled = true, window = 2s, min-requests = 30";
        start(config(guard, "upstream = \"alpha\""));
        steadyTraffic(2);
        awaitRequests(100);

        replace(config(guard, "upstream = \"alpha\", request-timeout = 20s"));
        await().atMost(Duration.ofSeconds(10)).until(() -> current() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> guardLines().stream().anyMatch(line -> line.startsWith("Config guard: version 2 kept")));
        assertThat(current()).isEqualTo(2);
        assertThat(guardLines()).anyMatch(line -> line.contains("route \"orders\" within limits"));
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_config_guard_rollbacks_total{reason=\"error_ratio\"} 0.0"));
    }

    @Test
    void aBadChangeUnderTooLittleTrafficIsKeptAndTheLogSaysSo() throws Exception {
        String guard = "enabled = true, window = 2s, min-requests = 30";
        start(config(guard, "upstream = \"alpha\""));

        replace(config(guard, "upstream = \"dead\""));
        // The version is listed a moment before its watch starts.
        await().atMost(Duration.ofSeconds(10)).until(() -> guardLines().stream().anyMatch(line -> line.startsWith("Config guard: watching version 2")));
        assertThat(gateway.get("/orders/one").getStatus()).isEqualTo(502);
        await().atMost(Duration.ofSeconds(10)).until(() -> guardLines().stream().anyMatch(line -> line.startsWith("Config guard: version 2 kept")));
        assertThat(guardLines()).anyMatch(line -> line.contains("route \"orders\" not judged: too little traffic (1 requests, min-requests 30)"));
        assertThat(current()).isEqualTo(2);
    }

    @Test
    void anApiRollbackDuringTheWindowEndsThatWatchAndIsWatchedItself() throws Exception {
        String guard = "enabled = true, window = 3s, min-requests = 1000000";
        start(config(guard, "upstream = \"alpha\""));

        replace(config(guard, "upstream = \"dead\""));
        await().atMost(Duration.ofSeconds(10)).until(() -> current() == 2);
        assertThat(admin("POST", "/api/v1/config/rollback?to=1").get("http_status").asInt()).isEqualTo(200);
        assertThat(current()).isEqualTo(3);
        assertThat(guardLines()).anyMatch(line -> line.equals("Config guard: version 3 replaced version 2 while it was watched; the watch of version 2 ends"));
        assertThat(guardLines()).anyMatch(line -> line.startsWith("Config guard: watching version 3 for 3s"));
        await().atMost(Duration.ofSeconds(10)).until(() -> guardLines().stream().anyMatch(line -> line.startsWith("Config guard: version 3 kept")));
        assertThat(current()).isEqualTo(3);
    }

    @Test
    void withTheGuardOffNothingIsWatched() throws Exception {
        start(config("enabled = false", "upstream = \"alpha\""));
        steadyTraffic(2);
        awaitRequests(50);
        replace(config("enabled = false", "upstream = \"dead\""));
        await().atMost(Duration.ofSeconds(10)).until(() -> current() == 2);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> current() == 2);
        assertThat(guardLines()).isEmpty();
    }
}
