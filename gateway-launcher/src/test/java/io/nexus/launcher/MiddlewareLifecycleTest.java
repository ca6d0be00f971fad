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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A recording middleware shows init and shutdown order across a reload with a request in flight. */
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

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .middlewares(BuiltInMiddlewares.builder().register("recorder", MiddlewareRegistry.CUSTOM, route -> new Recorder()).build())
        .build();

    private static String config(String timeout) {
        return """
            nexus {
              upstreams { up { targets = [${upstreams.up}], request-timeout = %s } }
              routes = [{ name = "r", path = "/", upstream = "up", middlewares = [recorder] }]
            }
            """.formatted(timeout);
    }

    @Test
    void newInstanceIsUpBeforeTheOldOneGoesDownAfterItsLastRequest() throws Exception {
        RecordingUpstream upstream = nexus.upstream("up");
        TestGateway gateway = nexus.startGateway(config("20s"));
        int first = INSTANCES.get();
        assertThat(EVENTS).containsExactly("init " + first);

        CompletableFuture<ContentResponse> inFlight = new CompletableResponseListener(gateway.request("/hold"), 1024).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.holding() == 1);

        // The swap that every reload (file, endpoint, rollback) ends in.
        gateway.apply(nexus.configText(config("21s")));
        int second = INSTANCES.get();
        assertThat(second).isEqualTo(first + 1);
        assertThat(EVENTS).containsExactly("init " + first, "init " + second);

        // New requests meet the new instance; the old one stays up for the request it holds.
        assertThat(gateway.get("/x").getHeaders().get("X-Middleware-Instance")).isEqualTo(Integer.toString(second));
        upstream.release();
        ContentResponse old = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(old.getStatus()).isEqualTo(200);
        assertThat(old.getHeaders().get("X-Middleware-Instance")).isEqualTo(Integer.toString(first));
        await().atMost(Duration.ofSeconds(5)).until(() -> EVENTS.contains("shutdown " + first));
        assertThat(EVENTS).containsExactly("init " + first, "init " + second, "shutdown " + first);

        // Stopping the gateway shuts the live instance down too.
        gateway.close();
        assertThat(EVENTS).endsWith("shutdown " + INSTANCES.get());
    }
}
