package io.nexus.gateway.war;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import io.nexus.gateway.testing.RecordingUpstream.Recorded;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
 * {@code graceful} module with a stop timeout, the config named by {@code NEXUS_CONFIG}.
 */
@Timeout(60)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WarOnVirtualThreadsIT {

    @RegisterExtension
    static final WarDeployment nexus = WarDeployment.inStockBase(upstream -> """
            nexus {
              upstreams { backend { targets = ["%s"] } }
              routes = [{ name = "api", path = "/api", upstream = "backend", strip-prefix = true }]
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
    void adminApiIsForbiddenWithoutAConfiguredToken() throws Exception {
        assertThat(nexus.request("/_nexus/readyz").send().getStatus()).isEqualTo(200);
        assertThat(nexus.request("/_nexus/api/v1/routes").send().getStatus()).isEqualTo(403);
    }

    @Test
    @Order(4)
    void sigtermLetsTheRequestInFlightFinishThenStopsTheGateway() throws Exception {
        CompletableFuture<ContentResponse> inFlight = new CompletableResponseListener(nexus.request("/api/slow")
            .headers(headers -> headers.put(RecordingUpstream.DELAY_HEADER, "1500"))).send();
        assertThat(nexus.upstream().takeRequest().path()).isEqualTo("/slow");

        assertThat(nexus.stopJetty()).as("Jetty exited on SIGTERM before it was killed").isTrue();

        // The graceful module waited for the exchange before it stopped the webapp.
        assertThat(inFlight).succeedsWithin(Duration.ofSeconds(5)).extracting(ContentResponse::getStatus).isEqualTo(200);
        assertThat(nexus.log())
            .contains("Shutdown oejs.Server@")
            .contains("Nexus stopped");
    }
}
