package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.nexus.gateway.observability.AccessLog;
import io.nexus.gateway.testing.RecordingUpstream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Streams through the gateway (docs/streaming.md): Server-Sent Events, NDJSON and token streams
 * reach the client as the upstream writes them, outlive the route's request timeout, reloads and
 * (cleanly ended) a shutdown; uploads of unknown length reach the upstream as they are sent.
 * The upstream is a Jetty server whose handler writes each piece as a chunk of its own.
 */
class StreamingTest {

    /** When the upstream wrote each event, by stream id and event number ({@link System#nanoTime()}). */
    private static final Map<String, long[]> WRITTEN = new ConcurrentHashMap<>();
    /** Releases the rest of a {@code /paced} response, by stream id. */
    private static final Map<String, CountDownLatch> RELEASE = new ConcurrentHashMap<>();
    /** What the {@code /upload} upstream has read so far, by upload id. */
    private static final Map<String, CompletableFuture<String>> FIRST_PART = new ConcurrentHashMap<>();
    private static final AtomicInteger IDS = new AtomicInteger();

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .upstream("events", new StreamingUpstream())
        .recordingUpstream("recording")
        .config(config(""))
        .build();

    /** The class's config, with {@code extraRoute} (a reload's change) at the end of its routes. */
    private static String config(String extraRoute) {
        return """
            nexus {
              upstreams { events { targets = [${upstreams.events}], circuit-breaker.enabled = false } }
              upstreams { recording { targets = [${upstreams.recording}] } }
              routes = [
                { name = "events", path = "/events", upstream = "events", strip-prefix = true, request-timeout = 500ms }
                { name = "buffered", path = "/buffered", upstream = "events", strip-prefix = true }
                { name = "unbuffered", path = "/unbuffered", upstream = "events", strip-prefix = true, response-buffering = off }
                { name = "recording", path = "/recording", upstream = "recording", strip-prefix = true }
                %s
              ]
            }
            """.formatted(extraRoute);
    }

    private static String newId() {
        return "s" + IDS.incrementAndGet();
    }

    /** The latch the upstream waits on, mid-response, for stream {@code id}; count 0: it does not wait. */
    private static CountDownLatch holdBack(String id, int count) {
        CountDownLatch latch = new CountDownLatch(count);
        RELEASE.put(id, latch);
        return latch;
    }

    /** Each event written every 100 ms reaches the client within 50 ms of being written. */
    @ProtocolTest
    void eachEventReachesTheClientWithin50msOfBeingWritten(GatewayClient client) throws Exception {
        // Warmed up first: the measure is the gateway's relaying, not its first-request class loading.
        send(client.request("/events/sse?id=" + newId() + "&count=5&interval=10"), new EventReader("\n\n", event -> { }));
        String id = newId();
        int count = 20;
        long[] arrived = new long[count];
        EventReader reader = new EventReader("\n\n", event -> arrived[eventNumber(event)] = System.nanoTime());
        Result result = send(client.request("/events/sse?id=" + id + "&count=" + count + "&interval=100"), reader);

        assertThat(result.isSucceeded()).as("%s", result.getFailure()).isTrue();
        assertThat(result.getResponse().getHeaders().get(HttpHeader.CONTENT_TYPE)).startsWith("text/event-stream");
        assertThat(reader.events).hasSize(count);
        long[] written = WRITTEN.get(id);
        List<Double> lags = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lags.add((arrived[i] - written[i]) / 1e6);
        }
        List<Double> sorted = new ArrayList<>(lags);
        Collections.sort(sorted);
        double median = sorted.get(count / 2);
        double max = sorted.get(count - 1);
        assertThat(max).as("per-event delivery lag over %s: median %.2f ms, max %.2f ms, all %s", client, median, max, lags)
            .isLessThan(50);
    }

    /** 500 tiny chunks written back to back (a token stream) all arrive, in order. */
    @ProtocolTest
    void aBurstOf500TinyChunksArrivesInOrder(GatewayClient client) throws Exception {
        ContentResponse response = client.get("/events/tokens?count=500");
        assertThat(response.getStatus()).isEqualTo(200);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            expected.append("t").append(i).append(' ');
        }
        assertThat(response.getContentAsString()).isEqualTo(expected.toString());
    }

    /** NDJSON lines flow one by one: the client reads each before the next is written. */
    @ProtocolTest
    void ndjsonLinesFlowOneByOne(GatewayClient client) throws Exception {
        String id = newId();
        CountDownLatch release = holdBack(id, 1);
        EventReader reader = new EventReader("\n", line -> { });
        List<String> lines = reader.events;
        CompletableFuture<Result> done = sendAsync(client.request("/events/ndjson?id=" + id), reader);
        // The upstream holds the second line until the first one reached the client.
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 1);
        assertThat(lines).containsExactly("{\"n\":0}");
        release.countDown();
        Result result = done.get(10, TimeUnit.SECONDS);
        assertThat(result.isSucceeded()).isTrue();
        assertThat(result.getResponse().getHeaders().get(HttpHeader.CONTENT_TYPE)).startsWith("application/x-ndjson");
        assertThat(lines).containsExactly("{\"n\":0}", "{\"n\":1}", "{\"n\":2}");
    }

    /** An event stream's head reaches the client before its first event: an EventSource opens at once. */
    @ProtocolTest
    void anEventStreamsHeadArrivesBeforeItsFirstEvent(GatewayClient client) throws Exception {
        String id = newId();
        CountDownLatch release = holdBack(id, 1);
        CompletableFuture<Integer> head = new CompletableFuture<>();
        EventReader reader = new EventReader("\n\n", event -> { });
        List<String> events = reader.events;
        CompletableFuture<Result> done = new CompletableFuture<>();
        client.request("/events/late?id=" + id).onResponseHeaders(response -> head.complete(response.getStatus()))
            .onResponseContent((response, content) -> reader.accept(content)).send(done::complete);
        // The upstream sent its head and holds its first event until the client has the head.
        assertThat(head.get(5, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(events).isEmpty();
        release.countDown();
        Result result = done.get(10, TimeUnit.SECONDS);
        assertThat(result.isSucceeded()).as("%s", result.getFailure()).isTrue();
        assertThat(events).containsExactly("data: late");
    }

    /** A response of known length and an ordinary type is written in full buffers under auto, and flows under off. */
    @Test
    void responseBufferingOffLetsEveryResponseFlow() throws Exception {
        assertThat(firstPieceArrivesBeforeTheRest("/unbuffered/paced", "text/plain", false)).isTrue();
        assertThat(firstPieceArrivesBeforeTheRest("/buffered/paced", "text/plain", false)).isFalse();
    }

    /** Under auto, an event-stream or NDJSON type flows even with a Content-Length. */
    @Test
    void streamingTypesFlowWithAKnownLength() throws Exception {
        assertThat(firstPieceArrivesBeforeTheRest("/buffered/paced", "text/event-stream", false)).isTrue();
        assertThat(firstPieceArrivesBeforeTheRest("/buffered/paced", "application/x-ndjson", false)).isTrue();
        assertThat(firstPieceArrivesBeforeTheRest("/buffered/paced", "application/grpc+proto", false)).isTrue();
    }

    /** An upstream's X-Accel-Buffering: no makes a response flow, and stays between upstream and gateway. */
    @Test
    void xAccelBufferingNoMakesAResponseFlowAndIsNotForwarded() throws Exception {
        assertThat(firstPieceArrivesBeforeTheRest("/buffered/paced", "text/plain", true)).isTrue();
        ContentResponse response = nexus.get("/buffered/paced?accel=no&type=text/plain&id=" + releasedId());
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getHeaders().contains("X-Accel-Buffering")).isFalse();
        assertThat(response.getContentAsString()).isEqualTo("first-second");
    }

    private static String releasedId() {
        String id = newId();
        holdBack(id, 0);
        return id;
    }

    /**
     * Whether the client reads the first piece of a {@code /paced} response (Content-Length 12)
     * while the upstream holds back the rest; waits a moment for it when it does not.
     */
    private static boolean firstPieceArrivesBeforeTheRest(String path, String type, boolean accelNo) throws Exception {
        String id = newId();
        CountDownLatch release = holdBack(id, 1);
        List<String> pieces = new CopyOnWriteArrayList<>();
        CompletableFuture<Result> done = new CompletableFuture<>();
        nexus.request(path + "?id=" + id + "&type=" + type + (accelNo ? "&accel=no" : ""))
            .onResponseContent((response, content) -> pieces.add(StandardCharsets.UTF_8.decode(content).toString()))
            .send(done::complete);
        boolean flowed;
        try {
            await().pollDelay(Duration.ZERO).atMost(Duration.ofMillis(600)).until(() -> !pieces.isEmpty());
            flowed = true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            flowed = false;
        }
        release.countDown();
        Result result = done.get(10, TimeUnit.SECONDS);
        assertThat(result.isSucceeded()).as("%s", result.getFailure()).isTrue();
        assertThat(String.join("", pieces)).isEqualTo("first-second");
        return flowed;
    }

    /** A stream outlives the route's request timeout (500 ms): it bounds only the head. */
    @Test
    void aStreamOutlivesTheRequestTimeout() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        Result result = send(nexus.request("/events/sse?id=" + newId() + "&count=15&interval=100"), new EventReader("\n\n", events::add));
        assertThat(result.isSucceeded()).as("%s", result.getFailure()).isTrue();
        assertThat(events).hasSize(15);
    }

    /** A heartbeat keeps a stream alive past both idle timeouts; silence past them ends it. */
    @Test
    void aHeartbeatKeepsAStreamPastTheIdleTimeouts() throws Exception {
        TestGateway gateway = nexus.startGateway("""
            nexus {
              server.idle-timeout = 1s
              upstreams { events { targets = [${upstreams.events}], idle-timeout = 1s, request-timeout = 500ms } }
              routes = [{ name = "events", path = "/events", upstream = "events", strip-prefix = true }]
            }
            """);
        List<String> events = new CopyOnWriteArrayList<>();
        // 6 comments 400 ms apart: 2.4 s, over twice each idle timeout and the request timeout.
        Result result = send(gateway.request("/events/sse?id=" + newId() + "&count=6&interval=400&heartbeat=true"),
            new EventReader("\n\n", events::add));
        assertThat(result.isSucceeded()).as("%s", result.getFailure()).isTrue();
        assertThat(events).hasSize(6).allSatisfy(event -> assertThat(event).startsWith(":"));

        // An event, then silence past the upstream's idle timeout: the stream is cut, not held.
        Result silent = send(gateway.request("/events/sse?id=" + newId() + "&count=1&interval=100&silence=true"), new EventReader("\n\n", e -> { }));
        assertThat(silent.isFailed()).isTrue();
    }

    /** Reloads leave an open stream alone: every event arrives, in order. */
    @Test
    void aStreamSurvivesThreeReloads() throws Exception {
        TestGateway gateway = nexus.gateway();
        List<String> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Result> done = sendAsync(gateway.request("/events/sse?id=" + newId() + "&count=30&interval=50"),
            new EventReader("\n\n", events::add));
        for (int reload = 1; reload <= 3; reload++) {
            int seen = reload * 6;
            await().atMost(Duration.ofSeconds(5)).until(() -> events.size() >= seen);
            gateway.apply(nexus.configText(config("{ name = \"reload%d\", path = \"/reload%d\", upstream = \"recording\" }"
                .formatted(reload, reload))));
        }
        Result result = done.get(10, TimeUnit.SECONDS);
        assertThat(result.isSucceeded()).as("%s", result.getFailure()).isTrue();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            expected.add("id: " + i + "\ndata: event " + i);
        }
        assertThat(events).containsExactlyElementsOf(expected);
    }

    /** At shutdown an endless stream runs until near the end of the drain, then ends cleanly. */
    @Test
    void aStreamEndsCleanlyAtTheEndOfTheDrain() throws Exception {
        TestGateway gateway = nexus.startGateway("""
            nexus {
              server.shutdown { drain-delay = 0s, timeout = 2s }
              upstreams { events { targets = [${upstreams.events}] } }
              routes = [{ name = "events", path = "/events", upstream = "events", strip-prefix = true }]
            }
            """);
        List<String> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Result> done = sendAsync(gateway.request("/events/sse?id=" + newId() + "&count=100000&interval=50")
            .timeout(30, TimeUnit.SECONDS), new EventReader("\n\n", events::add));
        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() >= 3);

        long start = System.nanoTime();
        boolean clean = gateway.embedded().drainAndStop();
        long drainMillis = (System.nanoTime() - start) / 1_000_000;

        Result result = done.get(5, TimeUnit.SECONDS);
        assertThat(result.isSucceeded()).as("the stream ends, not fails: %s", result.getFailure()).isTrue();
        assertThat(result.getResponse().getStatus()).isEqualTo(200);
        // Ended before the drain ran out (the timeout less 200 ms), so the drain is clean; and
        // not at its start: the stream ran on while the drain lasted.
        assertThat(clean).as("the drain completed (took %d ms)", drainMillis).isTrue();
        assertThat(drainMillis).isGreaterThanOrEqualTo(1500L);
        assertThat(events.size()).isGreaterThan(20);
    }

    /** A chunked upload reaches the upstream while the client still sends it. */
    @ProtocolTest
    void aChunkedUploadReachesTheUpstreamBeforeItsEnd(GatewayClient client) throws Exception {
        String id = newId();
        CompletableFuture<String> firstPart = new CompletableFuture<>();
        FIRST_PART.put(id, firstPart);
        AsyncRequestContent body = new AsyncRequestContent("text/plain");
        CompletableFuture<ContentResponse> response = new CompletableResponseListener(client.request("/events/upload?id=" + id)
            .method("POST").body(body), 1024).send();
        body.write(ByteBuffer.wrap("first part;".getBytes(StandardCharsets.UTF_8)), Callback.NOOP);
        // Had the gateway collected the body first, the upstream would see nothing until the end.
        assertThat(firstPart.get(5, TimeUnit.SECONDS)).isEqualTo("first part;");
        body.write(ByteBuffer.wrap("second part".getBytes(StandardCharsets.UTF_8)), Callback.NOOP);
        body.close();
        ContentResponse answer = response.get(10, TimeUnit.SECONDS);
        assertThat(answer.getStatus()).isEqualTo(200);
        assertThat(answer.getContentAsString()).isEqualTo("first part;second part");
    }

    /** An SSE client resumes with Last-Event-ID: the upstream gets it. */
    @Test
    void lastEventIdIsForwarded() throws Exception {
        RecordingUpstream upstream = nexus.upstream("recording");
        upstream.clear();
        ContentResponse response = nexus.request("/recording/feed").headers(h -> h.put("Last-Event-ID", "41")
            .put(HttpHeader.ACCEPT, "text/event-stream")).send();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(upstream.takeRequest().headers().get("Last-Event-ID")).isEqualTo("41");
    }

    /** The access log line of a stream has its whole duration and the bytes it relayed. */
    @Test
    void theAccessLogRecordsAStreamsDurationAndBytes() throws Exception {
        try (CapturedLog log = new CapturedLog(AccessLog.LOGGER)) {
            TestGateway gateway = nexus.startGateway("""
                nexus {
                  upstreams { events { targets = [${upstreams.events}] } }
                  routes = [{ name = "logged", path = "/events", upstream = "events", strip-prefix = true }]
                  observability.access-log { sample-ratio = 1.0 }
                }
                """);
            Result result = send(gateway.request("/events/sse?id=" + newId() + "&count=5&interval=100"), new EventReader("\n\n", e -> { }));
            assertThat(result.isSucceeded()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> log.events.stream().anyMatch(e -> "logged".equals(CapturedLog.field(e, "route"))));
            ILoggingEvent line = log.events.stream().filter(e -> "logged".equals(CapturedLog.field(e, "route"))).findFirst().orElseThrow();
            // Five events of "id: N\ndata: event N\n\n" (21 bytes each) written 100 ms apart.
            assertThat(CapturedLog.field(line, "response_bytes")).isEqualTo(5L * 21);
            assertThat((Double) CapturedLog.field(line, "duration_ms")).isGreaterThanOrEqualTo(400.0);
        }
    }

    // Helpers

    private static int eventNumber(String event) {
        return Integer.parseInt(event.substring(4, event.indexOf('\n')));
    }

    private static Result send(Request request, EventReader reader) throws Exception {
        return sendAsync(request, reader).get(30, TimeUnit.SECONDS);
    }

    private static CompletableFuture<Result> sendAsync(Request request, EventReader reader) {
        CompletableFuture<Result> done = new CompletableFuture<>();
        request.onResponseContent((response, content) -> reader.accept(content)).send(done::complete);
        return done;
    }

    /** Splits what arrives into events (or lines) at a separator, noting each as soon as it is complete. */
    private static final class EventReader {
        private final String separator;
        private final java.util.function.Consumer<String> onEvent;
        private final StringBuilder pending = new StringBuilder();
        final List<String> events = new CopyOnWriteArrayList<>();

        EventReader(String separator, java.util.function.Consumer<String> onEvent) {
            this.separator = separator;
            this.onEvent = onEvent;
        }

        void accept(ByteBuffer content) {
            pending.append(StandardCharsets.UTF_8.decode(content));
            int end;
            while ((end = pending.indexOf(separator)) >= 0) {
                String event = pending.substring(0, end);
                pending.delete(0, end + separator.length());
                events.add(event);
                onEvent.accept(event);
            }
        }
    }

    /**
     * The upstream: {@code /sse} writes {@code count} events {@code interval} ms apart (comments
     * with {@code heartbeat}, then silence with {@code silence}); {@code /late} sends an event
     * stream's head, and its one event once released; {@code /tokens} writes
     * {@code count} tiny chunks back to back; {@code /ndjson} writes three lines, the second once
     * released; {@code /paced} writes "first-" and, once released, "second" with a Content-Length;
     * {@code /upload} reports the first part of the body it reads, then echoes the whole body.
     * Every write is a chunk of its own, flushed at once.
     */
    private static final class StreamingUpstream extends Handler.Abstract {

        @Override
        public boolean handle(org.eclipse.jetty.server.Request request, Response response, Callback callback) {
            Fields query = org.eclipse.jetty.server.Request.extractQueryParameters(request);
            String path = org.eclipse.jetty.server.Request.getPathInContext(request);
            Thread.ofVirtual().name("upstream-" + path).start(() -> {
                try {
                    switch (path) {
                        case "/sse" -> sse(response, query);
                        case "/tokens" -> tokens(response, query);
                        case "/ndjson" -> ndjson(response, query);
                        case "/late" -> late(response, query);
                        case "/paced" -> paced(response, query);
                        case "/upload" -> upload(request, response, query);
                        default -> response.setStatus(404);
                    }
                    write(response, true, "");
                    callback.succeeded();
                } catch (Throwable failure) {
                    callback.failed(failure);
                }
            });
            return true;
        }

        private static void sse(Response response, Fields query) throws Exception {
            String id = query.getValue("id");
            int count = Integer.parseInt(query.getValue("count"));
            long interval = Long.parseLong(query.getValue("interval"));
            boolean heartbeat = "true".equals(query.getValue("heartbeat"));
            long[] written = new long[Math.min(count, 1000)];
            WRITTEN.put(id, written);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            for (int i = 0; i < count; i++) {
                // The pace is what is under test: an upstream that writes every interval.
                Thread.sleep(interval);
                if (i < written.length) {
                    written[i] = System.nanoTime();
                }
                write(response, false, heartbeat ? ": heartbeat " + i + "\n\n" : "id: " + i + "\ndata: event " + i + "\n\n");
            }
            if ("true".equals(query.getValue("silence"))) {
                Thread.sleep(5_000);
            }
        }

        private static void tokens(Response response, Fields query) throws Exception {
            int count = Integer.parseInt(query.getValue("count"));
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
            for (int i = 0; i < count; i++) {
                write(response, false, "t" + i + " ");
            }
        }

        private static void ndjson(Response response, Fields query) throws Exception {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/x-ndjson");
            write(response, false, "{\"n\":0}\n");
            RELEASE.get(query.getValue("id")).await(10, TimeUnit.SECONDS);
            write(response, false, "{\"n\":1}\n");
            write(response, false, "{\"n\":2}\n");
        }

        private static void late(Response response, Fields query) throws Exception {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
            write(response, false, "");
            RELEASE.get(query.getValue("id")).await(10, TimeUnit.SECONDS);
            write(response, false, "data: late\n\n");
        }

        private static void paced(Response response, Fields query) throws Exception {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, query.getValue("type"));
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 12);
            if (query.getValue("accel") != null) {
                response.getHeaders().put("X-Accel-Buffering", query.getValue("accel"));
            }
            write(response, false, "first-");
            RELEASE.get(query.getValue("id")).await(10, TimeUnit.SECONDS);
            write(response, false, "second");
        }

        private static void upload(org.eclipse.jetty.server.Request request, Response response, Fields query) throws Exception {
            StringBuilder body = new StringBuilder();
            CompletableFuture<String> firstPart = FIRST_PART.get(query.getValue("id"));
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    CompletableFuture<Void> available = new CompletableFuture<>();
                    request.demand(() -> available.complete(null));
                    available.get(10, TimeUnit.SECONDS);
                    continue;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    throw new IllegalStateException(chunk.getFailure());
                }
                body.append(StandardCharsets.UTF_8.decode(chunk.getByteBuffer()));
                chunk.release();
                if (body.length() > 0) {
                    firstPart.complete(body.toString());
                }
                if (chunk.isLast()) {
                    break;
                }
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
            write(response, false, body.toString());
        }

        private static void write(Response response, boolean last, String text) throws Exception {
            try (Blocker.Callback written = Blocker.callback()) {
                response.write(last, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), written);
                written.block();
            }
        }
    }
}
