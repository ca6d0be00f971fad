package io.nexus.gateway.war;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexus.gateway.testing.RecordingUpstream;
import io.nexus.gateway.testing.RecordingUpstream.Recorded;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * nexus-gateway.war in the production set-up of docs/deploy-war.md: the stock base plus the
 * {@code threadpool-all-virtual} module (selectors and requests on virtual threads; it replaces {@code start.d/threadpool.ini}) and the
 * {@code graceful} module with a stop timeout, the config named by {@code NEXUS_CONFIG}, and JSON
 * logs through the {@code logging-logback} module and the shipped {@code conf/war/logback.xml}.
 */
@Timeout(60)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WarOnVirtualThreadsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final WarDeployment nexus = WarDeployment.inStockBase(upstream -> """
            nexus {
              upstreams { backend { targets = ["%s"] } }
              routes = [{ name = "api", path = "/api", upstream = "backend", strip-prefix = true }]
              server.shutdown.drain-delay = 2s
            }
            """.formatted(upstream))
        .customizedBy(base -> {
            // Only one module may provide "threadpool".
            base.delete("start.d/threadpool.ini");
            base.addModules("threadpool-all-virtual", "graceful");
            base.appendLine("start.d/graceful.ini", "jetty.server.stopTimeout=30000");
            // No cap on concurrent tasks: the gateway's admission control bounds requests, and
            // a cap would also hold up the selectors behind requests waiting for a permit.
            base.appendLine("start.d/threadpool-all-virtual.ini", "jetty.threadPool.maxConcurrentTasks=0");
            // JSON logs as docs/deploy-war.md ("7. Logging") sets them up: logback with the jars
            // the base already holds (no download), the encoder and Jackson in lib/ext, the
            // shipped conf/war/logback.xml as the base's resources/logback.xml.
            String logback = System.getProperty("nexus.it.logback-version");
            Path jars = Path.of(System.getProperty("nexus.it.json-logging-jars"));
            try (var files = Files.list(jars)) {
                for (Path jar : files.toList()) {
                    base.copyInto(jar.getFileName().toString().startsWith("logback-") ? "lib/logging" : "lib/ext", jar);
                }
            }
            base.addModules(List.of("logging-logback", "ext"), "logback.version=" + logback);
            base.appendLine("start.d/logging-logback.ini", "logback.version=" + logback);
            base.copyInto("resources", Path.of(System.getProperty("nexus.it.war-logback-xml")));
        })
        .configFromEnvironment();

    @Test
    @Order(1)
    void serverRunsOnVirtualThreads() {
        assertThat(nexus.log()).contains("Virtual threads enabled. Using virtual threads for all tasks.");
    }

    @Test
    @Order(2)
    void routedRequestReachesTheUpstreamWithoutItsPrefix() throws Exception {
        ContentResponse response = nexus.request("/api/users/42").send();

        assertThat(response.getStatus()).isEqualTo(200);
        String requestId = response.getHeaders().get("X-Request-Id");
        assertThat(requestId).isNotBlank();
        Recorded received = nexus.upstream().takeRequest();
        assertThat(received.path()).isEqualTo("/users/42");
        assertThat(received.header("X-Request-Id")).isEqualTo(requestId);
        assertThat(received.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
    }

    @Test
    @Order(3)
    void theServerAndTheGatewayLogOneJsonObjectPerLineWithTheAccessLogsFields() throws Exception {
        // A 5xx is always written (a 200 only when sampled).
        String requestId = nexus.request("/api/status/503").send().getHeaders().get("X-Request-Id");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> nexus.log().contains(requestId));
        List<String> lines = nexus.log().lines().filter(line -> line.startsWith("{")).toList();
        assertThat(lines).anySatisfy(line -> assertThat(JSON.readTree(line).path("logger").asText()).isEqualTo("org.eclipse.jetty.server.Server"))
            .anySatisfy(line -> assertThat(JSON.readTree(line).path("logger").asText()).startsWith("io.nexus.gateway."));
        JsonNode access = lines.stream().map(WarOnVirtualThreadsIT::json).filter(line -> requestId.equals(line.path("request_id").asText()))
            .findFirst().orElseThrow();
        assertThat(access.path("logger").asText()).isEqualTo("nexus.access");
        assertThat(access.path("route").asText()).isEqualTo("api");
        assertThat(access.path("status").asInt()).isEqualTo(503);
        assertThat(access.path("path").asText()).isEqualTo("/api/status/503");
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(line, e);
        }
    }

    @Test
    @Order(4)
    void adminApiIsForbiddenWithoutAConfiguredToken() throws Exception {
        assertThat(nexus.request("/_nexus/readyz").send().getStatus()).isEqualTo(200);
        assertThat(nexus.request("/_nexus/api/v1/routes").send().getStatus()).isEqualTo(403);
    }

    @Test
    @Order(5)
    void sigtermDrainsThenLetsTheRequestInFlightFinishThenStopsTheGateway() throws Exception {
        CompletableFuture<ContentResponse> inFlight = new CompletableResponseListener(nexus.request("/api/slow")
            .headers(headers -> headers.put(RecordingUpstream.DELAY_HEADER, "3500"))).send();
        assertThat(nexus.upstream().takeRequest().path()).isEqualTo("/slow");

        CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> {
            try {
                return nexus.stopJetty();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // The drain delay (2s): readiness says 503 while requests, new ones included, are still served.
        await().atMost(Duration.ofSeconds(5)).until(() -> nexus.request("/_nexus/readyz").send().getStatus() == 503);
        assertThat(nexus.request("/api/during-the-drain").send().getStatus()).isEqualTo(200);

        assertThat(stopped).as("Jetty exited on SIGTERM before it was killed").succeedsWithin(Duration.ofSeconds(50)).isEqualTo(true);
        // Then the graceful module waited for the exchange before it stopped the webapp.
        assertThat(inFlight).succeedsWithin(Duration.ofSeconds(5)).extracting(ContentResponse::getStatus).isEqualTo(200);
        assertThat(nexus.log())
            .contains("Draining: readiness is now 503")
            .contains("Drain delay of 2000 ms over")
            .contains("Shutdown oejs.Server@")
            .contains("Nexus stopped");
        assertThat(nexus.log().indexOf("Drain delay of 2000 ms over")).isLessThan(nexus.log().indexOf("Nexus stopped"));
    }
}
