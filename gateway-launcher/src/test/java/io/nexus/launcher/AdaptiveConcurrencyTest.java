package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code server.adaptive-concurrency} against real upstreams: the limit follows latency that rises
 * with load, and only what the upstream did feeds it (a client that leaves teaches it nothing).
 * The assertions compare orders of magnitude, not tight numbers: the machine is shared and small.
 */
class AdaptiveConcurrencyTest {

    /** Requests the queueing upstream serves at once; the rest wait their turn. */
    private static final int UPSTREAM_SLOTS = 4;
    private static final long SERVICE_MILLIS = 25;

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .upstream("queueing", new QueueingHandler())
        .recordingUpstream("echo")
        .build();

    /**
     * A service with a fixed capacity: {@value #UPSTREAM_SLOTS} requests at a time, {@value
     * #SERVICE_MILLIS} ms each, the others queued in arrival order. Its latency is then
     * proportional to the concurrency it is offered, as a database's or a saturated CPU's is.
     */
    private static final class QueueingHandler extends Handler.Abstract {
        private final Semaphore slots = new Semaphore(UPSTREAM_SLOTS, true);

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            slots.acquire();
            try {
                Thread.sleep(SERVICE_MILLIS);
            } finally {
                slots.release();
            }
            response.setStatus(200);
            response.write(true, null, callback);
            return true;
        }
    }

    private record Outcome(long endNanos, long latencyNanos, int status) {
    }

    /**
     * {@code clients} clients in a closed loop for {@code duration}: each sends its next request
     * when the last one is answered, and backs off 50 ms after a 503 (as Retry-After asks, shorter).
     */
    private static List<Outcome> drive(TestGateway gateway, String path, int clients, Duration duration) throws Exception {
        List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + duration.toNanos();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                running.add(threads.submit(() -> {
                    while (System.nanoTime() < end) {
                        long start = System.nanoTime();
                        ContentResponse response = gateway.request(path).timeout(10, TimeUnit.SECONDS).send();
                        long now = System.nanoTime();
                        outcomes.add(new Outcome(now, now - start, response.getStatus()));
                        if (response.getStatus() == 503) {
                            assertThat(response.getContentAsString()).contains("\"cause\":\"concurrency_limit\"");
                            Thread.sleep(50);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : running) {
                client.get(duration.toSeconds() + 30, TimeUnit.SECONDS);
            }
        }
        return List.copyOf(outcomes);
    }

    /** The 99th percentile latency in milliseconds of the 200s answered after {@code sinceNanos}. */
    private static double p99Millis(List<Outcome> outcomes, long sinceNanos) {
        long[] latencies = outcomes.stream().filter(o -> o.status() == 200 && o.endNanos() >= sinceNanos)
            .mapToLong(Outcome::latencyNanos).sorted().toArray();
        assertThat(latencies).hasSizeGreaterThan(50);
        return latencies[(int) Math.ceil(latencies.length * 0.99) - 1] / 1e6;
    }

    private static long count(List<Outcome> outcomes, int status) {
        return outcomes.stream().filter(o -> o.status() == status).count();
    }

    private static int limit(TestGateway gateway) throws Exception {
        Matcher gauge = Pattern.compile("(?m)^nexus_concurrency_limit (\\S+)$").matcher(gateway.metrics());
        assertThat(gauge.find()).as("nexus_concurrency_limit is exported").isTrue();
        return (int) Double.parseDouble(gauge.group(1));
    }

    @Test
    void limitFallsAndKeepsP99BoundedWhereAFixedLimitLetsItClimb() throws Exception {
        String routes = """
            upstreams { queueing { targets = [${upstreams.queueing}] } }
            routes = [{ name = "queueing", path = "/", upstream = "queueing" }]
            """;
        int clients = 160;
        // The fixed limit first: its run also warms the JIT that both gateways share, so that
        // cold-start latencies do not become the adaptive gateway's idea of an unloaded upstream.
        TestGateway fixed = nexus.startGateway("nexus {\n" + routes + "}");
        assertThat(limit(fixed)).isEqualTo(10_000);
        long start = System.nanoTime();
        List<Outcome> fixedRun = drive(fixed, "/", clients, Duration.ofSeconds(4));
        double fixedP99 = p99Millis(fixedRun, start + Duration.ofSeconds(2).toNanos());
        fixed.close();

        TestGateway adaptive = nexus.startGateway("nexus { server.adaptive-concurrency { enabled = true, min-limit = 4, "
            + "max-limit = 1000, initial-limit = 100 }\n" + routes + "}");
        assertThat(limit(adaptive)).isEqualTo(100);
        // As many clients as the upstream has slots: Gradient2 learns its unloaded latency.
        drive(adaptive, "/", UPSTREAM_SLOTS, Duration.ofSeconds(2));
        start = System.nanoTime();
        List<Outcome> adaptiveRun = drive(adaptive, "/", clients, Duration.ofSeconds(8));
        int fallen = limit(adaptive);
        double adaptiveP99 = p99Millis(adaptiveRun, start + Duration.ofSeconds(5).toNanos());
        System.out.printf("AdaptiveConcurrencyTest: %d clients, upstream %d x %d ms: fixed limit p99 %.0f ms, %d x 200, %d x 503; "
                + "adaptive limit 100 -> %d, p99 %.0f ms, %d x 200, %d x 503%n", clients, UPSTREAM_SLOTS, SERVICE_MILLIS, fixedP99,
            count(fixedRun, 200), count(fixedRun, 503), fallen, adaptiveP99, count(adaptiveRun, 200), count(adaptiveRun, 503));

        // 160 requests queued at 4 x 25 ms: ~1 s behind a fixed limit. The adaptive limit settles
        // near where the latency starts to rise (a few times the upstream's slots), ~0.1-0.3 s.
        assertThat(count(fixedRun, 503)).isZero();
        assertThat(fixedP99).isGreaterThan(600);
        assertThat(fallen).isLessThan(50);
        assertThat(count(adaptiveRun, 503)).isPositive();
        assertThat(adaptiveP99 * 2).isLessThan(fixedP99);
    }

    @Test
    void clientsThatLeaveTeachTheLimitNothingWhileUpstreamTimeoutsLowerIt() throws Exception {
        // Vegas lowers its limit for every window with a drop in it, whatever the latency.
        TestGateway gateway = nexus.startGateway("""
            nexus {
              server.adaptive-concurrency { enabled = true, algorithm = vegas, min-limit = 10, max-limit = 1000, initial-limit = 100 }
              upstreams { echo { targets = [${upstreams.echo}], circuit-breaker.enabled = false, health-check.passive.enabled = false } }
              routes = [
                { name = "echo", path = "/", upstream = "echo" }
                { name = "slow", path = "/slow", upstream = "echo", strip-prefix = true, request-timeout = 100ms }
              ]
            }
            """);
        // Clients that reset their connection mid-response: 499, the upstream did nothing wrong.
        int leavers = 120;
        try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < leavers; i++) {
                running.add(threads.submit(() -> {
                    try (Socket socket = new Socket("127.0.0.1", gateway.publicPort())) {
                        socket.setReceiveBufferSize(4096);
                        socket.getOutputStream().write("GET /large?bytes=4000000 HTTP/1.1\r\nHost: nexus\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        InputStream in = socket.getInputStream();
                        in.readNBytes(1024);
                        socket.setSoLinger(true, 0);
                    }
                    return null;
                }));
            }
            for (Future<?> leaver : running) {
                leaver.get(30, TimeUnit.SECONDS);
            }
        }
        gateway.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_requests_total{code=\"499\",group=\"\",method=\"GET\",route=\"echo\"} " + leavers + ".0")
            .contains("nexus_inflight_requests 0.0"));
        assertThat(limit(gateway)).isEqualTo(100);

        // Upstream timeouts (504 response_timeout) are drops: the limit comes down.
        List<Outcome> timeouts = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<Outcome>>> running = new ArrayList<>();
            long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            for (int c = 0; c < 16; c++) {
                running.add(threads.submit(() -> {
                    List<Outcome> mine = new ArrayList<>();
                    while (System.nanoTime() < end) {
                        ContentResponse response = gateway.request("/slow/x").headers(h -> h.put(RecordingUpstream.DELAY_HEADER, "1000"))
                            .timeout(10, TimeUnit.SECONDS).send();
                        mine.add(new Outcome(System.nanoTime(), 0, response.getStatus()));
                    }
                    return mine;
                }));
            }
            for (Future<List<Outcome>> client : running) {
                timeouts.addAll(client.get(30, TimeUnit.SECONDS));
            }
        }
        assertThat(count(timeouts, 504)).isEqualTo(timeouts.size());
        assertThat(limit(gateway)).isLessThan(100).isGreaterThanOrEqualTo(10);
    }
}
