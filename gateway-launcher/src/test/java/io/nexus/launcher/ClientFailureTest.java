package io.nexus.launcher;

import io.nexus.gateway.testing.RawHttp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.observability.AccessLog;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Failures the client causes (it abandons an upload, leaves mid-response, streams a body over
 * the limit) are recorded as 499 or 413 with their cause and never count against the upstream:
 * with the default breaker and passive health settings, a hundred of them leave the upstream
 * closed, healthy and serving. Failures the upstream causes still do (the controls).
 */
class ClientFailureTest {

    private static final int CLIENTS = Integer.getInteger("clients", 100);

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .perMethod()
        .recordingUpstream("up")
        .upstream("resetting", new ResettingHandler())
        .config("""
            nexus {
              server.max-request-body = 4KiB
              // every abandoned upload must leave its own line here, not a per-second summary
              observability.access-log.max-error-lines-per-second = 100000
              upstreams {
                up { targets = [${upstreams.up}] }
                resetting { targets = [${upstreams.resetting}, ${upstreams.resetting}"/second"] }
              }
              routes = [
                { name = "up", path = "/up", upstream = "up", strip-prefix = true }
                { name = "resetting", path = "/resetting", upstream = "resetting", strip-prefix = true }
              ]
            }
            """)
        .build();

    CapturedLog log;

    @BeforeEach
    void capture() throws Exception {
        log = new CapturedLog(AccessLog.LOGGER);
    }

    @AfterEach
    void release() {
        log.close();
    }

    @Test
    void abandonedUploadsAre499AndLeaveTheUpstreamAlone() throws Exception {
        TestGateway gateway = nexus.gateway();
        List<Socket> uploads = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Socket socket = new Socket("127.0.0.1", gateway.publicPort());
            socket.getOutputStream().write(("POST /up/upload HTTP/1.1\r\nHost: nexus\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: 4000\r\n\r\nthe first few bytes").getBytes(StandardCharsets.US_ASCII));
            uploads.add(socket);
        }
        // Every upload is on its way upstream (the admission permit and a pooled connection are held).
        gateway.awaitMetrics(metrics -> assertThat(gauge(metrics, "nexus_inflight_requests")).isEqualTo(CLIENTS));
        long closedAt = System.nanoTime();
        for (Socket socket : uploads) {
            socket.close();
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
            .until(() -> gauge(gateway.metrics(), "nexus_inflight_requests") == 0);
        long releaseMillis = (System.nanoTime() - closedAt) / 1_000_000;
        System.out.printf("ClientFailureTest: %d abandoned uploads released in %d ms%n", CLIENTS, releaseMillis);

        assertUpstreamUntouched(gateway, "up");
        String metrics = gateway.metrics();
        assertThat(metrics).as("released %d abandoned uploads in %d ms", CLIENTS, releaseMillis)
            .contains("nexus_requests_total{code=\"499\",group=\"\",method=\"POST\",route=\"up\"} " + CLIENTS + ".0")
            .doesNotContain("code=\"502\"");
        assertThat(causes("up")).containsOnly("client_closed").hasSize(CLIENTS);
        assertThat(gateway.get("/up/after").getStatus()).isEqualTo(200);
    }

    /** Over HTTP/1.1 the client closes its connection; over HTTP/2 it resets its stream (RST_STREAM). */
    @ProtocolTest
    void cancelledUploadsAre499AndLeaveTheUpstreamAlone(GatewayClient client) throws Exception {
        TestGateway gateway = nexus.gateway();
        int uploads = 30;
        List<org.eclipse.jetty.client.Request> requests = new ArrayList<>();
        for (int i = 0; i < uploads; i++) {
            AsyncRequestContent body = new AsyncRequestContent();
            body.write(ByteBuffer.wrap("the first few bytes".getBytes(StandardCharsets.US_ASCII)), Callback.NOOP);
            org.eclipse.jetty.client.Request request = client.request("/up/upload").method("POST").body(body);
            request.send(result -> { });
            requests.add(request);
        }
        gateway.awaitMetrics(metrics -> assertThat(gauge(metrics, "nexus_inflight_requests")).isEqualTo(uploads));
        for (org.eclipse.jetty.client.Request request : requests) {
            request.abort(new IOException("the client gives up"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> gauge(gateway.metrics(), "nexus_inflight_requests") == 0);
        assertUpstreamUntouched(gateway, "up");
        assertThat(gateway.metrics()).contains("nexus_requests_total{code=\"499\",group=\"\",method=\"POST\",route=\"up\"} " + uploads + ".0");
        assertThat(causes("up")).containsOnly("client_closed").hasSize(uploads);
        assertThat(client.get("/up/after").getStatus()).isEqualTo(200);
    }

    @Test
    void clientsLeavingMidResponseAre499AndLeaveTheUpstreamAlone() throws Exception {
        TestGateway gateway = nexus.gateway();
        for (int i = 0; i < CLIENTS; i++) {
            try (Socket socket = new Socket("127.0.0.1", gateway.publicPort())) {
                // A small receive window, so that the gateway is still writing when the client goes.
                socket.setReceiveBufferSize(4096);
                socket.getOutputStream().write("GET /up/large?bytes=8000000 HTTP/1.1\r\nHost: nexus\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = socket.getInputStream();
                in.readNBytes(1024);
                socket.setSoLinger(true, 0); // close with a reset, as a phone losing its network does
            }
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(gateway.metrics()).contains("nexus_inflight_requests 0.0"));
        assertUpstreamUntouched(gateway, "up");
        assertThat(causes("up")).containsOnly("client_closed");
        assertThat(gateway.get("/up/after").getStatus()).isEqualTo(200);
    }

    @Test
    void chunkedUploadsOverTheLimitAre413AndLeaveTheUpstreamAlone() throws Exception {
        TestGateway gateway = nexus.gateway();
        String chunk = "400\r\n" + "x".repeat(1024) + "\r\n";
        for (int i = 0; i < 50; i++) {
            // Half of them ask for 100 Continue first, as curl does for large uploads.
            String expect = i % 2 == 0 ? "Expect: 100-continue\r\n" : "";
            String answer = RawHttp.exchange(gateway.publicPort(), "POST /up/upload HTTP/1.1\r\nHost: nexus\r\nTransfer-Encoding: chunked\r\n"
                + expect + "\r\n" + chunk.repeat(8) + "0\r\n\r\n");
            assertThat(answer.replaceFirst("^HTTP/1.1 100 Continue\r\n\r\n", "")).as("upload %d", i).startsWith("HTTP/1.1 413 ").contains("\"code\":\"payload_too_large\"")
                .contains("\"cause\":\"request_body_too_large\"");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge(gateway.metrics(), "nexus_inflight_requests") == 0);
        assertUpstreamUntouched(gateway, "up");
        assertThat(gateway.metrics()).contains("nexus_requests_total{code=\"413\",group=\"\",method=\"POST\",route=\"up\"} 50.0");
        assertThat(gateway.get("/up/after").getStatus()).isEqualTo(200);
    }

    @Test
    void anUpstreamThatResetsStillOpensItsBreakerEjectsATargetAndIsCountedByCause() throws Exception {
        TestGateway gateway = nexus.gateway();
        // A GET tries the second target too while it is healthy (the default retry of a reset):
        // the breaker's 20 failed calls come in fewer requests.
        int failed = 0;
        var refused = gateway.get("/resetting/x");
        while (refused.getStatus() == 502) {
            assertThat(refused.getContentAsString()).contains("\"cause\":\"upstream_reset\"");
            assertThat(++failed).as("the breaker opens within 20 calls").isLessThan(20);
            refused = gateway.get("/resetting/x");
        }
        assertThat(refused.getStatus()).isEqualTo(503);
        assertThat(refused.getContentAsString()).contains("\"cause\":\"breaker_open\"");
        assertThat(gateway.metrics())
            .contains("nexus_circuit_breaker_state{state=\"open\",upstream=\"resetting\"} 1.0")
            .containsPattern("nexus_upstream_target_healthy\\{target=\"[^\"]+\",upstream=\"resetting\"} 0.0")
            .contains("nexus_upstream_errors_total{cause=\"upstream_reset\",upstream=\"resetting\"} 20.0")
            .contains("nexus_upstream_errors_total{cause=\"breaker_open\",upstream=\"resetting\"} 1.0");
        assertThat(causes("resetting")).contains("upstream_reset", "breaker_open");
    }

    /** The breaker closed, every target healthy, no error counted against the upstream. */
    private static void assertUpstreamUntouched(TestGateway gateway, String upstream) throws Exception {
        String metrics = gateway.metrics();
        assertThat(metrics)
            .contains("nexus_circuit_breaker_state{state=\"closed\",upstream=\"" + upstream + "\"} 1.0")
            .doesNotContain("nexus_circuit_breaker_transitions_total{from=\"closed\",to=\"open\",upstream=\"" + upstream + "\"}")
            .doesNotContainPattern("nexus_upstream_target_healthy\\{target=\"[^\"]+\",upstream=\"" + upstream + "\"} 0.0")
            .doesNotContain("nexus_upstream_errors_total{cause=\"client_closed\"")
            .doesNotContainPattern("nexus_upstream_errors_total\\{[^}]*upstream=\"" + upstream + "\"");
    }

    private List<Object> causes(String route) {
        return log.events.stream().filter(event -> route.equals(CapturedLog.field(event, "route")))
            .map(event -> CapturedLog.field(event, "cause")).filter(cause -> cause != null).toList();
    }

    private static long gauge(String metrics, String name) {
        Matcher value = Pattern.compile("(?m)^" + name + " ([0-9.E]+)$").matcher(metrics);
        return value.find() ? (long) Double.parseDouble(value.group(1)) : -1;
    }

    /** An upstream that reads the request, then closes the connection without answering. */
    static final class ResettingHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            request.getConnectionMetaData().getConnection().getEndPoint().close();
            callback.succeeded();
            return true;
        }
    }
}
