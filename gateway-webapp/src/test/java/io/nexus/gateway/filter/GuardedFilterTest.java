package io.nexus.gateway.filter;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.error.GuardedFilter;
import io.nexus.gateway.observability.GatewayMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real Jetty with a middleware that throws on demand, in front of the exchange and request-id filters. */
class GuardedFilterTest {

    Server server;
    HttpClient client;
    GatewayMetrics metrics;
    int port;

    @BeforeEach
    void start() throws Exception {
        metrics = new GatewayMetrics(new PrometheusRegistry(), () -> 0, () -> 0);
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder("ok", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.getWriter().print("ok");
            }
        }), "/*");
        server.setHandler(context);
        context.addEventListener(new jakarta.servlet.ServletContextListener() {
            @Override
            public void contextInitialized(jakarta.servlet.ServletContextEvent event) {
                add(event, "exchange", new ExchangeFilter(metrics));
                add(event, "request-id", new RequestIdFilter());
                add(event, "boom", (request, response, chain) -> {
                    String fault = ((HttpServletRequest) request).getHeader("X-Fault");
                    if ("runtime".equals(fault)) {
                        throw new IllegalStateException("injected");
                    }
                    if ("error".equals(fault)) {
                        throw new AssertionError("injected error");
                    }
                    chain.doFilter(request, response);
                });
            }
        });
        server.start();
        port = connector.getLocalPort();
        client = new HttpClient();
        client.start();
    }

    private void add(jakarta.servlet.ServletContextEvent event, String name, Filter filter) {
        FilterRegistration.Dynamic registration = event.getServletContext()
            .addFilter(name, new GuardedFilter(name, filter, metrics.middlewareFailures(name)));
        registration.setAsyncSupported(true);
        registration.addMappingForServletNames(EnumSet.of(DispatcherType.REQUEST), true, "ok");
    }

    @AfterEach
    void stop() throws Exception {
        client.stop();
        server.stop();
    }

    private ContentResponse get(String fault) throws Exception {
        return client.newRequest("http://127.0.0.1:" + port + "/x").headers(h -> {
            if (fault != null) {
                h.put("X-Fault", fault);
            }
        }).timeout(5, TimeUnit.SECONDS).send();
    }

    private double failures(String middleware) {
        CounterSnapshot snapshot = (CounterSnapshot) metrics.registry().scrape().stream()
            .filter(s -> s.getMetadata().getName().equals("nexus_middleware_failures")).findFirst().orElseThrow();
        return snapshot.getDataPoints().stream()
            .filter(p -> p.getLabels().get("middleware").equals(middleware))
            .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
    }

    @Test
    void throwingMiddlewareGives500AndTheNextRequestSucceeds() throws Exception {
        ContentResponse failed = get("runtime");
        assertThat(failed.getStatus()).isEqualTo(500);
        assertThat(failed.getHeaders().get("Content-Type")).isEqualTo("application/json");
        String id = failed.getHeaders().get("X-Request-Id");
        assertThat(failed.getContentAsString()).isEqualTo(
            "{\"error\":{\"status\":500,\"code\":\"internal\",\"cause\":\"internal_error\",\"message\":\"internal error in boom\",\"request_id\":\"" + id + "\"}}");
        assertThat(failures("boom")).isEqualTo(1.0);

        ContentResponse next = get(null);
        assertThat(next.getStatus()).isEqualTo(200);
        assertThat(next.getContentAsString()).isEqualTo("ok");
    }

    @Test
    void errorsAreCaughtToo() throws Exception {
        assertThat(get("error").getStatus()).isEqualTo(500);
        assertThat(failures("boom")).isEqualTo(1.0);
        assertThat(failures("exchange")).isZero();
        assertThat(get(null).getStatus()).isEqualTo(200);
    }

    @Test
    void failedRequestsAreStillCounted() throws Exception {
        get("runtime");
        get(null);
        var requests = metrics.registry().scrape().stream()
            .filter(s -> s.getMetadata().getName().equals("nexus_requests")).findFirst().orElseThrow();
        assertThat(((CounterSnapshot) requests).getDataPoints())
            .extracting(p -> p.getLabels().get("code") + "=" + p.getValue())
            .containsExactlyInAnyOrder("500=1.0", "200=1.0");
    }
}
