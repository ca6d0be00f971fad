package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.nexus.gateway.lifecycle.BuiltInMiddlewares;
import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.middleware.Middleware;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/** The extension itself: how placeholders resolve, what a protocol test runs, and the order things stop in. */
class GatewayExtensionTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .refusingUpstream("down")
        .build();

    @Test
    void placeholdersBecomeQuotedUrlsWhereHoconWouldSubstituteAndKeepTheirLines() {
        String resolved = nexus.resolve("""
            a = ${upstreams.up}
            b = [${upstreams.up}"/base/", ${ upstreams.down }]
            c = "${upstreams.up} inside quotes is text"
            """);
        Config config = ConfigFactory.parseString(resolved);
        assertThat(config.getString("a")).isEqualTo(nexus.url("up"));
        assertThat(config.getStringList("b")).containsExactly(nexus.url("up") + "/base/", nexus.url("down"));
        assertThat(config.getString("c")).isEqualTo("${upstreams.up} inside quotes is text");
        assertThat(resolved.lines()).hasSize(3);
        assertThat(nexus.url("down")).startsWith("http://127.0.0.1:");
    }

    @Test
    void anUnknownUpstreamIsRefusedWithTheNamesThatRun() {
        assertThatThrownBy(() -> nexus.resolve("a = ${upstreams.nope}"))
            .hasMessageContaining("${upstreams.nope}").hasMessageContaining("[up, down]");
    }

    @Test
    void aProtocolTestRunsOverEachProtocolAndEverythingStopsInReverseOrder() {
        Sample.EVENTS.clear();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(Sample.class)).build(), listener);
        TestExecutionSummary summary = listener.getSummary();
        assertThat(summary.getFailures()).as("failures of the sample").isEmpty();
        assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
        assertThat(Sample.EVENTS).containsExactly(
            "upstream started", "gateway started",
            "request over HTTP/1.1", "request over HTTP/2",
            "gateway stopped after its client", "upstream stopped");
    }

    /** Run through the JUnit launcher by the test above; surefire leaves nested classes alone. */
    static class Sample {

        static final List<String> EVENTS = new CopyOnWriteArrayList<>();

        @RegisterExtension
        static final GatewayExtension nexus = GatewayExtension.builder()
            .upstream("recorder", new Handler.Abstract() {
                @Override
                protected void doStart() throws Exception {
                    EVENTS.add("upstream started");
                    super.doStart();
                }

                @Override
                public boolean handle(Request request, Response response, Callback callback) {
                    response.setStatus(204);
                    callback.succeeded();
                    return true;
                }

                @Override
                protected void doStop() throws Exception {
                    EVENTS.add("upstream stopped");
                    super.doStop();
                }
            })
            .middlewares(BuiltInMiddlewares.builder().register("lifecycle", MiddlewareRegistry.CUSTOM, route -> new Lifecycle()).build())
            .config("""
                nexus {
                  upstreams { recorder { targets = [${upstreams.recorder}] } }
                  routes = [{ name = "all", path = "/", upstream = "recorder", middlewares = [lifecycle] }]
                }
                """)
            .build();

        /** Says when the gateway takes it up and puts it down, and whether its client was stopped by then. */
        static final class Lifecycle implements Middleware {
            @Override
            public void init(RouteSettings route, Scheduler scheduler) {
                EVENTS.add("gateway started");
            }

            @Override
            public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
                chain.doFilter(request, response);
            }

            @Override
            public void shutdown(Instant deadline) {
                EVENTS.add(nexus.gateway().client(Protocol.HTTP_1_1).stopped() && nexus.gateway().client(Protocol.HTTP_2).stopped()
                    ? "gateway stopped after its client" : "gateway stopped before its client");
            }
        }

        @ProtocolTest
        void runs(GatewayClient client) throws Exception {
            assertThat(client.get("/x").getStatus()).isEqualTo(204);
            EVENTS.add("request over " + client.protocol());
        }
    }
}
