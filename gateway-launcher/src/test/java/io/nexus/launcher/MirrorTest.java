package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A route's mirror: copies go to a shadow, whose answers, slowness or death never reach the client. */
class MirrorTest {

    /** A shadow that answers after two seconds, counting how many copies it holds at once. */
    private static final AtomicInteger slowHolding = new AtomicInteger();
    private static final AtomicInteger slowMaxHolding = new AtomicInteger();

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .recordingUpstream("shadow")
        .upstream("slow", new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                slowMaxHolding.accumulateAndGet(slowHolding.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(2000);
                } finally {
                    slowHolding.decrementAndGet();
                }
                response.write(true, ByteBuffer.wrap("late".getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        })
        .refusingUpstream("dead")
        .config("""
            nexus {
              upstreams {
                up { targets = [${upstreams.up}] }
                shadow { targets = [${upstreams.shadow}] }
                slow { targets = [${upstreams.slow}], request-timeout = 5s }
                dead { targets = [${upstreams.dead}] }
              }
              routes = [
                { name = "copy", path = "/copy", upstream = "up", mirror { upstream = "shadow" } }
                { name = "half", path = "/half", upstream = "up", mirror { upstream = "shadow", percent = 50 } }
                { name = "small", path = "/small", upstream = "up", mirror { upstream = "shadow", max-body = 1KiB } }
                { name = "slow", path = "/slow", upstream = "up", mirror { upstream = "slow", max-in-flight = 4 } }
                { name = "dead", path = "/dead", upstream = "up", mirror { upstream = "dead" } }
              ]
            }
            """)
        .build();

    private static long mirrored(String metrics, String route, String result) {
        Matcher matcher = Pattern.compile("nexus_mirrored_requests_total\\{result=\"" + result + "\",route=\"" + route + "\"} ([0-9.]+)")
            .matcher(metrics);
        return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : 0;
    }

    @BeforeEach
    void clear() {
        nexus.upstream("up").clear();
        nexus.upstream("shadow").clear();
    }

    @Test
    void aCopyCarriesTheMethodPathHeadersAndBodyAndItsAnswerIsDiscarded() throws Exception {
        ContentResponse response = nexus.request("/copy/orders?q=1").method(HttpMethod.POST)
            .headers(h -> h.put("X-A", "1")).body(new StringRequestContent("text/plain", "hello")).send();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getHeaders().get("X-Upstream")).isEqualTo("up");
        RecordingUpstream.Recorded primary = nexus.upstream("up").takeRequest();
        RecordingUpstream.Recorded copy = nexus.upstream("shadow").takeRequest();
        assertThat(copy.method()).isEqualTo("POST");
        assertThat(copy.path()).isEqualTo(primary.path()).isEqualTo("/copy/orders");
        assertThat(copy.query()).isEqualTo("q=1");
        assertThat(copy.bodyText()).isEqualTo("hello");
        assertThat(copy.header("X-A")).isEqualTo("1");
        assertThat(copy.header("Content-Type")).isEqualTo("text/plain");
        assertThat(copy.header("X-Request-Id")).isEqualTo(response.getHeaders().get("X-Request-Id"));
        nexus.awaitMetrics(metrics -> assertThat(mirrored(metrics, "copy", "ok")).isEqualTo(1));
    }

    @Test
    void aShareOfRequestsIsCopied() throws Exception {
        int before = nexus.upstream("shadow").requestCount();
        for (int i = 0; i < 400; i++) {
            assertThat(nexus.get("/half/x").getStatus()).isEqualTo(200);
        }
        nexus.awaitMetrics(metrics -> {
            long ok = mirrored(metrics, "half", "ok");
            // Binomial(400, 0.5): mean 200, standard deviation 10.
            assertThat(ok).isBetween(150L, 250L);
            assertThat(nexus.upstream("shadow").requestCount() - before).isEqualTo((int) ok);
        });
    }

    @Test
    void aBodyOverMaxBodyIsNotCopiedDeclaredOrStreamed() throws Exception {
        byte[] body = RecordingUpstream.bytes(2048);
        assertThat(nexus.request("/small/x").method(HttpMethod.POST).body(new BytesRequestContent(body)).send().getStatus()).isEqualTo(200);
        AsyncRequestContent streamed = new AsyncRequestContent();
        var sent = nexus.request("/small/y").method(HttpMethod.POST).body(streamed);
        var listener = new org.eclipse.jetty.client.CompletableResponseListener(sent).send();
        streamed.write(ByteBuffer.wrap(body, 0, 1000), Callback.NOOP);
        streamed.write(ByteBuffer.wrap(body, 1000, 1048), Callback.NOOP);
        streamed.close();
        assertThat(listener.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        assertThat(nexus.request("/small/z").method(HttpMethod.POST).body(new BytesRequestContent(new byte[1024])).send().getStatus())
            .isEqualTo(200);
        nexus.awaitMetrics(metrics -> {
            assertThat(mirrored(metrics, "small", "too_large")).isEqualTo(2);
            assertThat(mirrored(metrics, "small", "ok")).isEqualTo(1);
        });
        assertThat(nexus.upstream("shadow").takeRequest().path()).isEqualTo("/small/z");
        assertThat(nexus.upstream("shadow").pending()).isZero();
    }

    @Test
    void aSlowShadowNeverDelaysClientsAndHoldsAtMostMaxInFlightCopies() throws Exception {
        int clients = 8;
        int perClient = 25;
        List<Long> millis = new CopyOnWriteArrayList<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < perClient; i++) {
                    long start = System.nanoTime();
                    try {
                        ContentResponse response = nexus.get("/slow/x");
                        if (response.getStatus() != 200) {
                            failures.add(String.valueOf(response.getStatus()));
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                    millis.add((System.nanoTime() - start) / 1_000_000);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(30));
        }
        assertThat(failures).isEmpty();
        // The shadow takes 2 s per copy; the clients never wait for it.
        assertThat(millis.stream().mapToLong(Long::longValue).max().orElseThrow()).isLessThan(1500);
        nexus.awaitMetrics(metrics -> {
            long ok = mirrored(metrics, "slow", "ok");
            long dropped = mirrored(metrics, "slow", "dropped");
            assertThat(ok + dropped).isEqualTo(clients * perClient);
            assertThat(dropped).isGreaterThan(0);
        });
        assertThat(slowMaxHolding.get()).isBetween(1, 4);
    }

    @Test
    void aDeadShadowFailsOnlyItsCopies() throws Exception {
        for (int i = 0; i < 100; i++) {
            ContentResponse response = nexus.request("/dead/x").method(HttpMethod.PUT).body(new StringRequestContent("v" + i)).send();
            assertThat(response.getStatus()).isEqualTo(200);
        }
        nexus.awaitMetrics(metrics -> {
            long failed = mirrored(metrics, "dead", "failed");
            assertThat(failed + mirrored(metrics, "dead", "dropped")).isEqualTo(100);
            assertThat(failed).isGreaterThan(0);
            assertThat(mirrored(metrics, "dead", "ok")).isZero();
        });
    }
}
