package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A multi-tenant route table in a small heap: 5,000 prefix routes in a launcher JVM of its own
 * with {@code -Xmx256m} start, route the first, a middle and the last route to the right place,
 * and take a reload that adds a route (which once ran out of heap holding two copies of every
 * route's meters). bench/routes.sh measures the times and the heap per route.
 */
class RouteTableScaleTest {

    private static final int ROUTES = 5_000;
    private static final String TOKEN = "route-scale-test-token-0123";

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .perMethod()
        .build();

    @TempDir
    Path dir;
    LauncherProcess launcher;
    HttpClient client;

    @BeforeEach
    void startClient() throws Exception {
        client = new HttpClient();
        client.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (launcher != null) {
            launcher.close();
        }
        client.stop();
    }

    /** {@code routes} routes /svcI/api to the upstream, stripping the prefix, plus {@code extra}. */
    private String config(int routes, String extra) {
        StringBuilder table = new StringBuilder();
        for (int i = 0; i < routes; i++) {
            table.append("    { name = \"svc").append(i).append("\", path = \"/svc").append(i)
                .append("/api\", upstream = up, strip-prefix = true, group = \"g").append(i % 10).append("\" }\n");
        }
        return nexus.configText("""
            nexus {
              admin.token = "%s"
              config.watch = false
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [
            %s%s  ]
            }
            """.formatted(TOKEN, table, extra));
    }

    @Test
    void fiveThousandRoutesStartRouteAndReloadInA256MiBHeap() throws Exception {
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, config(ROUTES, ""));
        launcher = LauncherProcess.start(dir, Map.of(), List.of("-Xms256m", "-Xmx256m", "-XX:+ExitOnOutOfMemoryError"),
            "--config", file.toString());
        Matcher listening = launcher.awaitListening();
        String base = "http://127.0.0.1:" + listening.group(1);
        String admin = "http://127.0.0.1:" + listening.group(2);

        for (int route : new int[] {0, ROUTES / 2, ROUTES - 1}) {
            ContentResponse response = client.GET(base + "/svc" + route + "/api/items/7");
            assertThat(response.getStatus()).as("route %d", route).isEqualTo(200);
            // strip-prefix: the upstream saw the path below the route's own.
            assertThat(nexus.upstream("up").takeRequest().path()).isEqualTo("/items/7");
        }
        assertThat(client.GET(base + "/svc" + ROUTES + "/api").getStatus()).isEqualTo(404);

        Files.writeString(file, config(ROUTES, "    { name = \"added\", path = \"/added\", upstream = up }\n"));
        ContentResponse reload = client.newRequest(admin + "/api/v1/config/reload").method("POST")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN)).timeout(60, TimeUnit.SECONDS).send();
        assertThat(reload.getStatus()).as(reload.getContentAsString()).isEqualTo(200);
        assertThat(reload.getContentAsString()).contains("\"result\" : \"applied\"");
        assertThat(client.GET(base + "/added/x").getStatus()).isEqualTo(200);
        assertThat(client.GET(base + "/svc" + (ROUTES - 1) + "/api").getStatus()).isEqualTo(200);

        // Routes that served nothing have no series; those that did count under their group (a
        // request is counted when its exchange completes, a moment after the client has its answer).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String metrics = client.GET(admin + "/metrics").getContentAsString();
            assertThat(metrics).contains("nexus_requests_total{code=\"200\",group=\"g9\",method=\"GET\",route=\"svc4999\"} 2.0")
                .doesNotContain("route=\"svc1\"");
            assertThat(metrics.lines().filter(line -> !line.startsWith("#")).count()).isLessThan(1_000);
        });
        assertThat(launcher.process.isAlive()).as(launcher.output()).isTrue();
        assertThat(launcher.output()).doesNotContain("OutOfMemoryError");
    }
}
