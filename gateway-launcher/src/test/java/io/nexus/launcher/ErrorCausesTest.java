package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import io.nexus.gateway.observability.AccessLog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Walks every cause of the contract's list (CONTRACT.md, "Round 2 additions") and of
 * docs/resilience.md that a client can provoke, and checks the three places each one shows:
 * the error body's {@code cause} (with a message naming the upstream and target for upstream
 * failures, without the target URL's credentials), the access log line of the same request id,
 * and, for upstream failures, {@code nexus_upstream_errors_total{upstream,cause}}.
 */
class ErrorCausesTest {

    private static final String SECRET = "hmac-secret-0123456789abcdef-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .refusingUpstream("refusing")
        .unreachableUpstream("unreachable")
        .config("""
            nexus {
              server.max-request-body = 1KiB
              observability.access-log { sample-ratio = 0, log-client-errors = true, max-error-lines-per-second = 1000 }
              upstreams {
                up { targets = [${upstreams.up}] }
                narrow { targets = [${upstreams.up}], max-requests = 1, max-pending-requests = 1 }
                refusing { targets = [${upstreams.refusing}], health-check.passive.enabled = false, circuit-breaker.enabled = false }
                unreachable { targets = [${upstreams.unreachable}], connect-timeout = 200ms, circuit-breaker.enabled = false,
                              health-check.passive.enabled = false }
                breaking { targets = [${upstreams.refusing}], health-check.passive.enabled = false,
                           circuit-breaker { minimum-calls = 2, sliding-window-size = 2, wait-in-open = 60s } }
                ejecting { targets = [${upstreams.refusing}], circuit-breaker.enabled = false,
                           health-check.passive { consecutive-failures = 1, ejection-time = 60s, max-ejection-percent = 100 } }
              }
              auth { users { type = jwt, algorithms = [HS256], hmac-secret = "%s", issuer = "iss", audience = "aud" } }
              routes = [
                { name = "api", path = "/api", upstream = "up", methods = [GET] }
                { name = "slow", path = "/slow", upstream = "up", request-timeout = 300ms }
                { name = "refused", path = "/refused", upstream = "refusing" }
                { name = "unreachable", path = "/unreachable", upstream = "unreachable" }
                { name = "breaking", path = "/breaking", upstream = "breaking" }
                { name = "ejecting", path = "/ejecting", upstream = "ejecting" }
                { name = "held", path = "/held", upstream = "narrow", strip-prefix = true, request-timeout = 10s }
                { name = "narrow", path = "/narrow", upstream = "narrow", request-timeout = 300ms }
                { name = "jwt", path = "/jwt", upstream = "up", auth = "users" }
                { name = "limited", path = "/limited", upstream = "up", rate-limit { requests = 1, window = 1m } }
                { name = "cors", path = "/cors", upstream = "up", cors { allowed-origins = ["https://app.example.com"] } }
                { name = "rewrite", path = "/rewrite", upstream = "up", strip-prefix = true,
                  rewrite { regex = "^/([a-z]*)-(.*)$", replacement = "/files/$1/$2" } }
                { name = "fault", path = "/fault", upstream = "up", fault { abort-percent = 100 } }
              ]
            }
            """.formatted(SECRET))
        .build();

    private CapturedLog log;

    @BeforeEach
    void capture() throws Exception {
        log = new CapturedLog(AccessLog.LOGGER);
        nexus.upstream("up").rearm();
    }

    @AfterEach
    void release() {
        nexus.upstream("up").release();
        log.close();
    }

    /**
     * Sends the request and checks the cause in the body, in the access log line of its request
     * id and, when {@code upstream} is set, in the upstream's error counter.
     */
    private JsonNode expect(Request request, int status, String cause, String upstream) throws Exception {
        ContentResponse response = request.timeout(10, TimeUnit.SECONDS).send();
        assertThat(response.getStatus()).as(cause).isEqualTo(status);
        assertThat(response.getHeaders().get("Content-Type")).as(cause).startsWith("application/json");
        JsonNode error = JSON.readTree(response.getContentAsString()).get("error");
        assertThat(error.get("cause").asText()).isEqualTo(cause);
        String requestId = response.getHeaders().get("X-Request-Id");
        assertThat(error.get("request_id").asText()).isEqualTo(requestId);
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(log.events).as(cause + " in the access log")
            .anySatisfy(event -> {
                assertThat(CapturedLog.field(event, "request_id")).isEqualTo(requestId);
                assertThat(CapturedLog.field(event, "cause")).isEqualTo(cause);
                assertThat(CapturedLog.field(event, "status")).isEqualTo(status);
            }));
        if (upstream != null) {
            assertThat(error.get("message").asText()).as(cause).contains("upstream " + upstream);
            nexus.awaitMetrics(metrics -> assertThat(metrics)
                .containsPattern("nexus_upstream_errors_total\\{cause=\"" + cause + "\",upstream=\"" + upstream + "\"} [1-9]"));
        }
        return error;
    }

    @Test
    void routingCauses() throws Exception {
        expect(nexus.request("/nowhere"), 404, "route_not_found", null);
        expect(nexus.request("/api/x").method(HttpMethod.DELETE), 405, "method_not_allowed", null);
    }

    @Test
    void upstreamConnectionCausesNameTheUpstreamAndTarget() throws Exception {
        JsonNode refused = expect(nexus.request("/refused/x"), 502, "connect_refused", "refusing");
        assertThat(refused.get("message").asText()).contains("target http://127.0.0.1:");
        expect(nexus.request("/unreachable/x"), 502, "connect_timeout", "unreachable");
        expect(nexus.request("/slow/x").headers(h -> h.put("X-Test-Delay-Millis", "3000")), 504, "response_timeout", "up");
    }

    @Test
    void breakerAndHealthCauses() throws Exception {
        expect(nexus.request("/breaking/x"), 502, "connect_refused", "breaking");
        expect(nexus.request("/breaking/x"), 502, "connect_refused", "breaking");
        expect(nexus.request("/breaking/x"), 503, "breaker_open", "breaking");
        expect(nexus.request("/ejecting/x"), 502, "connect_refused", "ejecting");
        expect(nexus.request("/ejecting/x"), 503, "no_healthy_target", "ejecting");
    }

    @Test
    void upstreamQueueCause() throws Exception {
        CompletableFuture<ContentResponse> held = new CompletableResponseListener(nexus.request("/held/hold").timeout(10, TimeUnit.SECONDS)).send();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> nexus.upstream("up").holding() == 1);
        expect(nexus.request("/narrow/x"), 503, "queue_timeout", "narrow");
        nexus.upstream("up").release();
        assertThat(held.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
    }

    @Test
    void authenticationCauses() throws Exception {
        var key = Keys.hmacShaKeyFor(SECRET.getBytes(StandardCharsets.UTF_8));
        String expired = Jwts.builder().subject("alice").issuer("iss").audience().add("aud").and()
            .expiration(Date.from(Instant.now().minusSeconds(3600))).signWith(key, Jwts.SIG.HS256).compact();
        expect(nexus.request("/jwt/x"), 401, "missing_credentials", null);
        expect(nexus.request("/jwt/x").headers(h -> h.put("Authorization", "Bearer not.a.token")), 401, "invalid_token", null);
        expect(nexus.request("/jwt/x").headers(h -> h.put("Authorization", "Bearer " + expired)), 401, "expired_token", null);
    }

    @Test
    void policyCauses() throws Exception {
        assertThat(nexus.get("/limited/x").getStatus()).isEqualTo(200);
        expect(nexus.request("/limited/x"), 429, "rate_limit_exceeded", null);
        expect(nexus.request("/cors/x").headers(h -> h.put("Origin", "https://app.example.com.evil.net")), 403, "cors_origin_not_allowed", null);
        expect(nexus.request("/rewrite/-x"), 400, "rewrite_refused", null);
        expect(nexus.request("/fault/x"), 503, "fault_injected", null);
        expect(nexus.request("/slow/x").method(HttpMethod.POST).body(new org.eclipse.jetty.client.BytesRequestContent(new byte[2048])),
            413, "request_body_too_large", null);
    }

    @Test
    void admissionCause() throws Exception {
        TestGateway small = nexus.startGateway("""
            nexus {
              server.max-concurrent-requests = 1
              observability.access-log { sample-ratio = 0, log-client-errors = true }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [{ name = "held", path = "/held", upstream = "up", strip-prefix = true }]
            }
            """);
        CompletableFuture<ContentResponse> held = new CompletableResponseListener(small.request("/held/hold").timeout(10, TimeUnit.SECONDS)).send();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> nexus.upstream("up").holding() == 1);
        expect(small.request("/held/x"), 503, "concurrency_limit", null);
        nexus.upstream("up").release();
        assertThat(held.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
    }

}
