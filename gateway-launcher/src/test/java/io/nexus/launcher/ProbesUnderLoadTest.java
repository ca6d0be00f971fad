package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.testing.RecordingUpstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Probes stay responsive while the public port is saturated: the admin connector runs on its own
 * platform threads, and {@code /healthz} and {@code /readyz} read one field. Under the load the
 * HPA exists for, a probe that times out (the chart gives it 2 s) would mark the pod unready or
 * restart it and push its traffic onto the others.
 */
class ProbesUnderLoadTest {

    private static final int LOAD_CONNECTIONS = 128;
    private static final long LOAD_MILLIS = 3_000;
    private static final long PROBE_BOUND_MILLIS = 1_000;

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("slow")
        .config("""
            nexus {
              upstreams.slow { targets = [${upstreams.slow}], max-requests = 8, max-pending-requests = 16, queue-timeout = 200ms }
              routes = [{ name = "slow", path = "/", upstream = "slow" }]
              observability.access-log.max-error-lines-per-second = 1
            }
            """)
        .build();

    @Test
    void probesAnswerWithinASecondThroughoutASaturatingLoad() throws Exception {
        TestGateway gateway = nexus.gateway();
        ConcurrentMap<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        List<Long> probeMillis = new ArrayList<>();
        HttpClient load = client("load", 2 * LOAD_CONNECTIONS);
        HttpClient probes = client("probes", 4);
        try {
            // A closed loop of LOAD_CONNECTIONS requests to an upstream that takes 100 ms and
            // has 8 places and a queue of 16: most are shed at once, so the loop runs as fast
            // as the gateway and this JVM's cores allow.
            Semaphore inFlight = new Semaphore(LOAD_CONNECTIONS);
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOAD_MILLIS);
            Thread.ofVirtual().name("load").start(() -> {
                while (System.nanoTime() < end) {
                    inFlight.acquireUninterruptibly();
                    load.newRequest("http://127.0.0.1:" + gateway.publicPort() + "/spike")
                        .headers(headers -> headers.put(RecordingUpstream.DELAY_HEADER, "100"))
                        .timeout(GatewayClient.REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                        .send(result -> {
                            int status = result.getResponse() == null ? -1 : result.getResponse().getStatus();
                            statuses.computeIfAbsent(result.isFailed() ? -1 : status, s -> new AtomicLong()).incrementAndGet();
                            inFlight.release();
                        });
                }
            });
            // Probe once the load is under way: answers are coming back.
            await().atMost(Duration.ofSeconds(10)).until(() -> !statuses.isEmpty());
            while (System.nanoTime() < end) {
                for (String probe : List.of("/healthz", "/readyz")) {
                    long start = System.nanoTime();
                    ContentResponse response = probes.newRequest("http://127.0.0.1:" + gateway.adminPort() + probe)
                        .timeout(GatewayClient.REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS).send();
                    probeMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                    assertThat(response.getStatus()).as(probe).isEqualTo(200);
                }
            }
            assertThat(inFlight.tryAcquire(LOAD_CONNECTIONS, GatewayClient.REQUEST_TIMEOUT_SECONDS + 5, TimeUnit.SECONDS))
                .as("the load drained").isTrue();
        } finally {
            load.stop();
            probes.stop();
        }
        assertThat(statuses.keySet()).as("only 200 and 503 overloaded, never a 502 or a failed exchange").containsOnly(200, 503);
        assertThat(statuses.get(503).get()).as("the public port was saturated").isGreaterThan(1_000);
        assertThat(probeMillis).hasSizeGreaterThan(10).allSatisfy(millis -> assertThat(millis).isLessThan(PROBE_BOUND_MILLIS));
    }

    private static HttpClient client(String name, int connections) throws Exception {
        HttpClient client = new HttpClient();
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName(name);
        client.setExecutor(threads);
        client.setMaxConnectionsPerDestination(connections);
        client.start();
        return client;
    }
}
