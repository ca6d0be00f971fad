package io.nexus.gateway.war;

import static io.nexus.gateway.war.WarDeployment.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The config guard inside a stock Jetty: a route pointed at a closed port is rolled back by the WAR itself. */
@Timeout(60)
class WarConfigGuardIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CLOSED_PORT = closedPort();

    @RegisterExtension
    static final WarDeployment nexus = WarDeployment.inStockBase(upstream -> """
        nexus {
          config.guard { enabled = true, window = 5s, min-requests = 30 }
          upstreams {
            backend { targets = ["%s"] }
            dead { targets = ["http://127.0.0.1:%d"] }
          }
          routes = [ { name = "api", path = "/api", upstream = "backend" } ]
          admin { token = "%s" }
        }
        """.formatted(upstream, CLOSED_PORT, ADMIN_TOKEN));

    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode versions() throws Exception {
        return JSON.readTree(nexus.request("/_nexus/api/v1/config/versions")
            .headers(headers -> headers.put(HttpHeader.AUTHORIZATION, "Bearer " + ADMIN_TOKEN)).send().getContentAsString());
    }

    @Test
    void aRoutePointedAtAClosedPortIsRolledBackByTheWar() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong sent = new AtomicLong();
        Thread client = Thread.ofVirtual().start(() -> {
            while (running.get()) {
                try {
                    nexus.request("/api/orders").send();
                    sent.incrementAndGet();
                } catch (Exception e) {
                    // The client goes on; the gateway counts what it answered.
                }
            }
        });
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> sent.get() >= 100);
            String config = Files.readString(nexus.configFile());
            Files.writeString(nexus.configFile(), config.replace("upstream = \"backend\" }", "upstream = \"dead\" }"));
            await().atMost(Duration.ofSeconds(20)).until(() -> versions().get("current").asInt() == 3);
            JsonNode newest = versions().get("versions").get(0);
            assertThat(newest.get("source").asText()).isEqualTo("guard");
            assertThat(newest.get("restored_from").asInt()).isEqualTo(1);
            assertThat(newest.get("reason").asText()).startsWith("5xx ratio of route \"api\"");
            assertThat(nexus.request("/api/orders").send().getStatus()).isEqualTo(200);
        } finally {
            running.set(false);
            client.join(10_000);
        }
    }
}
