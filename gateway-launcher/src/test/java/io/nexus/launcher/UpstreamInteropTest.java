package io.nexus.launcher;

import io.nexus.gateway.testing.RawHttp;
import static io.nexus.launcher.ScriptedUpstream.CLOSE;
import static io.nexus.launcher.ScriptedUpstream.SILENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.EarlyHintsProtocolHandler;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Upstreams that answer as no well-behaved server does, over raw sockets: interim responses
 * before the final one, silences after them, malformed heads and wrong lengths. Each ends as
 * documented in {@code docs/resilience.md}, nothing stays in flight, and the next request to the
 * same upstream gets its own answer.
 */
class UpstreamInteropTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
    private static final String EARLY_HINTS = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n";

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .scriptedUpstream("raw")
        .recordingUpstream("jetty")
        .config("""
            nexus {
              upstreams.jetty.targets = [${upstreams.jetty}]
              upstreams.raw {
                targets = [${upstreams.raw}]
                circuit-breaker.enabled = false
                health-check.passive.enabled = false
              }
              routes = [
                { name = "raw", path = "/raw", upstream = "raw", strip-prefix = true, request-timeout = 2s }
                { name = "no-hints", path = "/no-hints", upstream = "raw", strip-prefix = true, early-hints = drop }
                { name = "jetty", path = "/jetty", upstream = "jetty", strip-prefix = true }
              ]
            }
            """)
        .build();

    @BeforeAll
    static void scripts() {
        nexus.scripted("raw")
            .script("ok", OK)
            .script("hints", EARLY_HINTS, 50L, OK)
            .script("processing", "HTTP/1.1 102 Processing\r\n\r\n", 50L, OK)
            .script("interims", "HTTP/1.1 102 Processing\r\n\r\n", EARLY_HINTS, "HTTP/1.1 199 Misc\r\n\r\n", EARLY_HINTS, OK)
            .script("hints-then-silence", EARLY_HINTS, SILENCE)
            .script("processing-then-silence", "HTTP/1.1 102 Processing\r\n\r\n", SILENCE)
            .script("head-then-silence", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", SILENCE)
            .script("trickle", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "a", 400L, "b", 400L, "c", 400L, "d", SILENCE)
            .script("two-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")
            .script("length-and-chunked", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
            .script("nul", "HTTP/1.1 200 OK\r\nX-Bad: a\0b\r\nContent-Length: 5\r\n\r\nhello")
            .script("bare-lf", "HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 5\n\nhello")
            .script("bad-status", "HTTP/1.1 2xx OK\r\nContent-Length: 5\r\n\r\nhello")
            .script("huge-header", "HTTP/1.1 200 OK\r\nX-Huge: " + "h".repeat(200_000) + "\r\nContent-Length: 5\r\n\r\nhello")
            .script("short-body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", CLOSE)
            .script("extra-bytes", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\npoison!");
    }

    @AfterEach
    void nothingStaysInFlightAndTheUpstreamStillAnswers() throws Exception {
        TestGateway gateway = nexus.gateway();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(gateway.metrics())
            .contains("nexus_inflight_requests 0.0").contains("nexus_inflight_oldest_seconds 0.0"));
        ContentResponse next = gateway.get("/raw/ok");
        assertThat(next.getStatus()).isEqualTo(200);
        assertThat(next.getContentAsString()).isEqualTo("hello");
    }

    @Test
    void earlyHintsReachTheClientBeforeTheFinalResponse() throws Exception {
        String raw = RawHttp.exchange(nexus.gateway().publicPort(), "GET /raw/hints HTTP/1.1\r\nHost: nexus\r\n\r\n");
        assertThat(raw).startsWith("HTTP/1.1 103 Early Hints\r\n").contains("Link: </style.css>; rel=preload; as=style\r\n");
        assertThat(raw.substring(raw.indexOf("\r\n\r\n") + 4)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nhello");
    }

    /** Over HTTP/1.1 and HTTP/2: the client's own Early Hints handler sees the 103, then the 200 follows. */
    @ProtocolTest
    void earlyHintsReachHttp1AndHttp2Clients(GatewayClient client) throws Exception {
        List<String> hints = new CopyOnWriteArrayList<>();
        client.http().getProtocolHandlers().put(new EarlyHintsProtocolHandler() {
            @Override
            protected void onEarlyHints(org.eclipse.jetty.client.Request request, HttpFields fields) {
                hints.add(fields.get(HttpHeader.LINK));
            }
        });
        ContentResponse response = client.request("/jetty/page?bytes=5&early-hint=" + URLEncoder.encode("</app.js>; rel=preload; as=script",
            StandardCharsets.UTF_8)).send();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContent()).hasSize(5);
        assertThat(hints).containsExactly("</app.js>; rel=preload; as=script");
    }

    @Test
    void aRouteThatDropsEarlyHintsSendsOnlyTheFinalResponse() throws Exception {
        String raw = RawHttp.exchange(nexus.gateway().publicPort(), "GET /no-hints/hints HTTP/1.1\r\nHost: nexus\r\n\r\n");
        assertThat(raw).startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("HTTP/1.1 103", "Link:").endsWith("hello");
    }

    @Test
    void otherInterimResponsesAreConsumed() throws Exception {
        assertThat(RawHttp.exchange(nexus.gateway().publicPort(), "GET /raw/processing HTTP/1.1\r\nHost: nexus\r\n\r\n"))
            .startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("HTTP/1.1 102").endsWith("hello");
        String raw = RawHttp.exchange(nexus.gateway().publicPort(), "GET /raw/interims HTTP/1.1\r\nHost: nexus\r\n\r\n");
        assertThat(raw).doesNotContain("HTTP/1.1 102").doesNotContain("HTTP/1.1 199").endsWith("hello");
        assertThat(raw.split("HTTP/1.1 103 ", -1)).as("both 103s relayed").hasSize(3);
    }

    @Test
    void silenceAfterAnInterimResponseEndsAt504WithinTheRouteTimeout() throws Exception {
        for (String script : new String[] {"hints-then-silence", "processing-then-silence"}) {
            long start = System.nanoTime();
            ContentResponse response = nexus.gateway().get("/raw/" + script);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(response.getStatus()).as(script).isEqualTo(504);
            assertThat(response.getContentAsString()).contains("\"cause\":\"response_timeout\"");
            System.out.printf("UpstreamInteropTest: %s answered 504 after %d ms (route timeout 2 s)%n", script, millis);
            assertThat(millis).as("%s answered after %d ms with a 2 s route timeout", script, millis).isBetween(1900L, 6000L);
        }
    }

    @Test
    void silenceAfterTheHeadOrATrickleEndsTheExchange() throws Exception {
        for (String script : new String[] {"head-then-silence", "trickle"}) {
            CompletableFuture<ContentResponse> pending = new CompletableResponseListener(nexus.gateway().client(Protocol.HTTP_1_1)
                .request("/raw/" + script), 1024).send();
            try {
                ContentResponse response = pending.get(10, TimeUnit.SECONDS);
                // Not committed yet: the route timeout answers 504.
                assertThat(response.getStatus()).as(script).isEqualTo(504);
            } catch (ExecutionException committedAndAborted) {
                // Committed: the response is cut short, never completed as if whole.
                assertThat(committedAndAborted.getCause()).as(script).isNotNull();
            }
        }
    }

    @Test
    void malformedResponsesAre502WithTheirCause() throws Exception {
        for (String script : new String[] {"two-lengths", "length-and-chunked", "nul", "bad-status"}) {
            ContentResponse response = nexus.gateway().get("/raw/" + script);
            assertThat(response.getStatus()).as(script).isEqualTo(502);
            assertThat(response.getContentAsString()).as(script).contains("\"cause\":\"upstream_protocol_error\"");
        }
    }

    /** Lines ended by a bare LF are tolerated in responses (RFC 9112 §2.2 allows a recipient to), unlike in requests. */
    @Test
    void bareLineFeedsInAResponseAreTolerated() throws Exception {
        ContentResponse response = nexus.gateway().get("/raw/bare-lf");
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentAsString()).isEqualTo("hello");
    }

    @Test
    void anOversizedResponseHeadIs502NeverAnInternalError() throws Exception {
        ContentResponse response = nexus.gateway().get("/raw/huge-header");
        assertThat(response.getStatus()).isEqualTo(502);
        assertThat(response.getContentAsString()).contains("\"cause\":\"upstream_response_too_large\"");
        assertThat(nexus.gateway().metrics()).contains("nexus_upstream_errors_total{cause=\"upstream_response_too_large\",upstream=\"raw\"}");
    }

    @Test
    void aShortBodyNeverPassesForAWholeResponse() throws Exception {
        CompletableFuture<ContentResponse> pending = new CompletableResponseListener(nexus.gateway().client(Protocol.HTTP_1_1)
            .request("/raw/short-body"), 1024).send();
        try {
            ContentResponse response = pending.get(10, TimeUnit.SECONDS);
            assertThat(response.getStatus()).isEqualTo(502);
            assertThat(response.getContentAsString()).contains("\"cause\":\"upstream_reset\"");
        } catch (ExecutionException aborted) {
            assertThat(aborted.getCause()).isNotNull();
        }
    }

    @Test
    void bytesAfterABodyNeverReachTheNextRequest() throws Exception {
        ContentResponse first = nexus.gateway().get("/raw/extra-bytes");
        assertThat(first.getStatus()).isEqualTo(200);
        assertThat(first.getContentAsString()).isEqualTo("hello");
        // The @AfterEach request is the next one on that upstream: it must get its own "hello", not "poison!".
    }
}
