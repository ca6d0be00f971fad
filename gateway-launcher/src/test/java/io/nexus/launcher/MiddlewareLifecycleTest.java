package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.lifecycle.BuiltInMiddlewares;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.middleware.Middleware;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.testing.RecordingUpstream;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.util.thread.Scheduler;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recording middleware shows init and shutdown order across a reload with a request in flight,
 * and that a reload initializes the changed routes only.
 */
class MiddlewareLifecycleTest {

    static final List<String> EVENTS = new CopyOnWriteArrayList<>();
    static final AtomicInteger INSTANCES = new AtomicInteger();

    /** Tags each response with the instance that saw it and records its lifecycle. */
    static final class Recorder implements Middleware {
        private final int instance = INSTANCES.incrementAndGet();

        @Override
        public void init(RouteSettings route, Scheduler scheduler) {
            EVENTS.add("init " + instance);
        }

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            ((HttpServletResponse) response).setHeader("X-Middleware-Instance", Integer.toString(instance));
            chain.doFilter(request, response);
        }

        @Override
        public void shutdown(Instant deadline) {
            EVENTS.add("shutdown " + instance);
        }
    }

    /** Runs out of heap while it initializes, as a reload of a table too big for the heap would. */
    static final class HeapExhausting implements Middleware {
        @Override
        public void init(RouteSettings route, Scheduler scheduler) {
            throw new OutOfMemoryError("Java heap space");
        }

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            chain.doFilter(request, response);
        }
    }

    static final String TOKEN = "middleware-lifecycle-token-0123";

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .middlewares(BuiltInMiddlewares.builder()
            .register("recorder", MiddlewareRegistry.CUSTOM, route -> new Recorder())
            .register("heap-exhausting", MiddlewareRegistry.CUSTOM, route -> new HeapExhausting())
            .build())
        .perMethod()
        .build();

    @TempDir
    Path dir;

    @BeforeEach
    void clearEvents() {
        EVENTS.clear();
    }

    /** The route changes with {@code timeout}, the upstream with {@code upstreamTimeout}. */
    private static String config(String timeout, String upstreamTimeout) {
        return """
            nexus {
              admin.token = "%s"
              config.watch = false
              upstreams { up { targets = [${upstreams.up}], request-timeout = %s } }
              routes = [
                { name = "r", path = "/", upstream = "up", middlewares = [recorder], request-timeout = %s }
                { name = "other", path = "/other", upstream = "up", middlewares = [recorder] }
              ]
            }
            """.formatted(TOKEN, upstreamTimeout, timeout);
    }

    private static String config(String timeout) {
        return config(timeout, "30s");
    }

    @Test
    void newInstanceIsUpBeforeTheOldOneGoesDownAfterItsLastRequest() throws Exception {
        RecordingUpstream upstream = nexus.upstream("up");
        TestGateway gateway = nexus.startGateway(config("20s"));
        int first = instanceOf(gateway, "/x");
        int other = instanceOf(gateway, "/other");
        assertThat(EVENTS).containsExactlyInAnyOrder("init " + first, "init " + other);
        EVENTS.clear();

        CompletableFuture<ContentResponse> inFlight = new CompletableResponseListener(gateway.request("/hold"), 1024).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.holding() == 1);

        // The swap that every reload (file, endpoint, rollback) ends in.
        gateway.apply(nexus.configText(config("21s")));
        int second = INSTANCES.get();
        assertThat(second).isEqualTo(instanceOf(gateway, "/x")).isNotEqualTo(first);
        // Only the changed route gets a new chain: the unchanged one keeps its running instance.
        assertThat(EVENTS).containsExactly("init " + second);
        assertThat(instanceOf(gateway, "/other")).isEqualTo(other);

        // New requests meet the new instance; the old one stays up for the request it holds.
        assertThat(gateway.get("/x").getHeaders().get("X-Middleware-Instance")).isEqualTo(Integer.toString(second));
        upstream.release();
        ContentResponse old = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(old.getStatus()).isEqualTo(200);
        assertThat(old.getHeaders().get("X-Middleware-Instance")).isEqualTo(Integer.toString(first));
        await().atMost(Duration.ofSeconds(5)).until(() -> EVENTS.contains("shutdown " + first));
        assertThat(EVENTS).containsExactly("init " + second, "shutdown " + first);

        // Stopping the gateway shuts the live instances down too.
        gateway.close();
        assertThat(EVENTS).contains("shutdown " + second, "shutdown " + other).doesNotContain("init " + other);
    }

    @Test
    void aReloadThatChangesOnlyAnUpstreamKeepsEveryRouteChain() throws Exception {
        TestGateway gateway = nexus.startGateway(config("20s", "30s"));
        int first = instanceOf(gateway, "/x");
        EVENTS.clear();
        gateway.apply(nexus.configText(config("20s", "31s")));
        assertThat(instanceOf(gateway, "/x")).isEqualTo(first);
        assertThat(EVENTS).isEmpty();
    }

    @Test
    void aReloadThatRunsOutOfHeapIsRefusedAndTheLiveVersionServesOn() throws Exception {
        Path file = dir.resolve("gateway.conf");
        Files.writeString(file, nexus.configText(config("20s")));
        TestGateway gateway = nexus.startGatewayFromFile(file);
        int first = instanceOf(gateway, "/x");
        Files.writeString(file, nexus.configText(config("20s").replace("middlewares = [recorder] }\n  ]",
            "middlewares = [recorder] }\n    { name = \"big\", path = \"/big\", upstream = \"up\", middlewares = [heap-exhausting] }\n  ]")));
        assertThat(Files.readString(file)).contains("heap-exhausting");

        ContentResponse reload = TestGateway.send(gateway.adminRequest("/api/v1/config/reload").method("POST")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN)));
        assertThat(reload.getStatus()).as(reload.getContentAsString()).isEqualTo(422);
        assertThat(reload.getContentAsString()).contains("\"code\" : \"invalid_config\"")
            .contains("the new config could not start: the heap is too small for it (Java heap space)")
            .doesNotContain("java.lang.");
        assertThat(gateway.get("/big").getStatus()).isEqualTo(200);
        assertThat(instanceOf(gateway, "/x")).isEqualTo(first);
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_config_reloads_total{result=\"failure\"} 1.0"));
    }

    private static int instanceOf(TestGateway gateway, String path) throws Exception {
        ContentResponse response = gateway.get(path);
        assertThat(response.getStatus()).isEqualTo(200);
        return Integer.parseInt(response.getHeaders().get("X-Middleware-Instance"));
    }
}
