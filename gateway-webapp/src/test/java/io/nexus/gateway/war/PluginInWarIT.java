package io.nexus.gateway.war;

import static io.nexus.gateway.war.WarDeployment.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexus.gateway.testing.RecordingUpstream.Recorded;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The example plugin in the WAR inside a stock Jetty: its jar in the WAR's {@code WEB-INF/lib}
 * (docs/plugins.md, "In the WAR"), found by the webapp's class loader, registered beside the
 * built-ins and run on the route that names it.
 */
@Timeout(60)
class PluginInWarIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final WarDeployment nexus = WarDeployment.inStockBase(upstream -> """
            nexus {
              admin { token = "%s" }
              upstreams { backend { targets = ["%s"] } }
              routes = [
                { name = "api", path = "/api", upstream = "backend", middlewares = [header-stamp] }
                { name = "plain", path = "/plain", upstream = "backend" }
              ]
              middleware-settings {
                header-stamp { header = "X-Served-By", value = "war-edge", on = [request, response] }
              }
            }
            """.formatted(ADMIN_TOKEN, upstream))
        .withWebInfLib(Path.of(System.getProperty("nexus.it.plugin-jar")));

    @Test
    void thePluginStampsTheRoutesThatNameIt() throws Exception {
        ContentResponse stamped = nexus.request("/api/orders").send();
        Recorded received = nexus.upstream().takeRequest();
        ContentResponse plain = nexus.request("/plain").send();
        Recorded unstamped = nexus.upstream().takeRequest();

        assertThat(stamped.getStatus()).isEqualTo(200);
        assertThat(stamped.getHeaders().get("X-Served-By")).isEqualTo("war-edge");
        assertThat(received.header("X-Served-By")).isEqualTo("war-edge");
        assertThat(plain.getHeaders().get("X-Served-By")).isNull();
        assertThat(unstamped.header("X-Served-By")).isNull();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(admin("/_nexus/metrics").getContentAsString())
            .contains("nexus_plugin_events_total{event=\"stamped\",middleware=\"header-stamp\",route=\"api\"} 1.0"));
    }

    @Test
    void theAdminApiListsThePluginFromTheWebappsLib() throws Exception {
        ContentResponse response = admin("/_nexus/api/v1/plugins");

        assertThat(response.getStatus()).isEqualTo(200);
        JsonNode stamp = null;
        for (JsonNode middleware : JSON.readTree(response.getContentAsString()).get("middlewares")) {
            if (middleware.get("name").asText().equals("header-stamp")) {
                stamp = middleware;
            }
        }
        assertThat(stamp).as("header-stamp in /api/v1/plugins").isNotNull();
        assertThat(stamp.get("name").asText()).isEqualTo("header-stamp");
        assertThat(stamp.get("origin").asText()).contains("WEB-INF/lib/plugin-header-stamp.jar");
        assertThat(stamp.get("priority").asInt()).isEqualTo(1000);
    }

    private static ContentResponse admin(String path) throws Exception {
        return nexus.request(path).headers(headers -> headers.put(HttpHeader.AUTHORIZATION, "Bearer " + ADMIN_TOKEN)).send();
    }
}
