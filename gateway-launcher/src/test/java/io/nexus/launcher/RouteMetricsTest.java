package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Route series as a fleet of many routes needs them: none for a route that served nothing, a
 * {@code group} label, latency in the group's histogram unless {@code route-histograms} gives the
 * route its own, counts that go on across reloads, and series that leave with their route.
 */
class RouteMetricsTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .perMethod()
        .build();

    private static String config(String routeHistograms, String routes) {
        return """
            nexus {
              metrics.route-histograms = %s
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [
            %s
              ]
            }
            """.formatted(routeHistograms, routes);
    }

    private static final String ROUTES = """
            { name = "checkout", path = "/checkout", upstream = up, group = "shop" }
            { name = "cart", path = "/cart", upstream = up, group = "shop" }
            { name = "search", path = "/search", upstream = up }
            { name = "idle", path = "/idle", upstream = up }
        """;

    @Test
    void byDefaultRoutesShareTheirGroupsHistogramAndUnservedRoutesHaveNoSeries() throws Exception {
        TestGateway gateway = nexus.startGateway(config("none", ROUTES));
        gateway.get("/checkout/a");
        gateway.get("/cart/b");
        gateway.get("/search/c");
        gateway.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_requests_total{code=\"200\",group=\"shop\",method=\"GET\",route=\"checkout\"} 1.0")
            .contains("nexus_requests_total{code=\"200\",group=\"shop\",method=\"GET\",route=\"cart\"} 1.0")
            .contains("nexus_requests_total{code=\"200\",group=\"\",method=\"GET\",route=\"search\"} 1.0")
            .contains("nexus_request_duration_seconds_count{group=\"shop\",route=\"\"} 2")
            .contains("nexus_request_duration_seconds_count{group=\"\",route=\"\"} 1")
            .doesNotContain("route=\"idle\"")
            .doesNotContain("nexus_request_duration_seconds_count{group=\"shop\",route=\"checkout\"}"));
    }

    @Test
    void aListedRouteHasAHistogramOfItsOwn() throws Exception {
        TestGateway gateway = nexus.startGateway(config("[checkout]", ROUTES));
        gateway.get("/checkout/a");
        gateway.get("/cart/b");
        gateway.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_request_duration_seconds_count{group=\"shop\",route=\"checkout\"} 1")
            .contains("nexus_request_duration_seconds_count{group=\"shop\",route=\"\"} 1"));
    }

    @Test
    void countsGoOnAcrossReloadsAndARemovedRoutesSeriesLeaveWithItsLastVersion() throws Exception {
        TestGateway gateway = nexus.startGateway(config("all", ROUTES));
        gateway.get("/checkout/a");
        gateway.get("/search/c");

        // search leaves the table; checkout is unchanged; cart changes its path.
        gateway.apply(nexus.configText(config("all", """
                { name = "checkout", path = "/checkout", upstream = up, group = "shop" }
                { name = "cart", path = "/basket", upstream = up, group = "shop" }
            """)));
        gateway.get("/checkout/again");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(gateway.metrics())
            .contains("nexus_requests_total{code=\"200\",group=\"shop\",method=\"GET\",route=\"checkout\"} 2.0")
            .contains("nexus_request_duration_seconds_count{group=\"shop\",route=\"checkout\"} 2")
            .doesNotContain("route=\"search\""));

        // A changed group is a new series; the old one leaves with the old version.
        gateway.apply(nexus.configText(config("all", """
                { name = "checkout", path = "/checkout", upstream = up, group = "payments" }
            """)));
        gateway.get("/checkout/b");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(gateway.metrics())
            .contains("nexus_requests_total{code=\"200\",group=\"payments\",method=\"GET\",route=\"checkout\"} 1.0")
            .doesNotContain("group=\"shop\",method=\"GET\",route=\"checkout\""));
    }

    @Test
    void droppingARoutesOwnHistogramKeepsItsCounts() throws Exception {
        TestGateway gateway = nexus.startGateway(config("all", ROUTES));
        gateway.get("/search/a");
        gateway.apply(nexus.configText(config("none", ROUTES)));
        gateway.get("/search/b");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(gateway.metrics())
            .contains("nexus_requests_total{code=\"200\",group=\"\",method=\"GET\",route=\"search\"} 2.0")
            .contains("nexus_request_duration_seconds_count{group=\"\",route=\"\"} 1")
            .doesNotContain("nexus_request_duration_seconds_count{group=\"\",route=\"search\"}"));
    }
}
