package io.nexus.launcher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;

/**
 * The traffic of the AOT training run: clients that loop over the exchanges a gateway serves most
 * (proxied GETs, a POST with a JSON body, a HEAD, a request no route matches) and, now and then,
 * the probes and the scrape on the admin port. Every answer is checked against the status the
 * default config gives it; anything else is a failure, reported rather than trained on.
 */
final class TrainingTraffic {

    /** One kind of request and the status the bundled default config answers it with. */
    record Exchange(String name, HttpMethod method, boolean admin, String path, String body, int expected) {
    }

    private static final String JSON = "application/json";
    private static final String ORDER = "{\"order\":{\"id\":1042,\"items\":[{\"sku\":\"A-17\",\"quantity\":2},{\"sku\":\"B-3\",\"quantity\":1}],"
        + "\"note\":\"AOT training request\"}}";
    /** The proxied exchanges, in the proportions a client sends them: GETs first. */
    static final List<Exchange> PUBLIC = List.of(
        new Exchange("GET /echo", HttpMethod.GET, false, "/echo/items/42?page=2&sort=name", null, 200),
        new Exchange("GET /echo", HttpMethod.GET, false, "/echo/users/7/orders", null, 200),
        new Exchange("POST /echo", HttpMethod.POST, false, "/echo/orders", ORDER, 200),
        new Exchange("GET /echo", HttpMethod.GET, false, "/echo/", null, 200),
        new Exchange("HEAD /echo", HttpMethod.HEAD, false, "/echo/items/42", null, 200),
        new Exchange("GET no route", HttpMethod.GET, false, "/no/such/route", null, 404));
    /** Sent once every {@link #ADMIN_EVERY} rounds of {@link #PUBLIC}, as probes and a scraper would. */
    static final List<Exchange> ADMIN = List.of(
        new Exchange("GET /readyz", HttpMethod.GET, true, "/readyz", null, 200),
        new Exchange("GET /healthz", HttpMethod.GET, true, "/healthz", null, 200),
        new Exchange("GET /metrics", HttpMethod.GET, true, "/metrics", null, 200));
    private static final int ADMIN_EVERY = 50;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_FAILURES_KEPT = 5;

    private final HttpClient client;
    private final String publicBase;
    private final String adminBase;
    private final Map<String, LongAdder> answers = new ConcurrentHashMap<>();
    private final List<String> failures = new ArrayList<>();
    private final LongAdder failed = new LongAdder();

    TrainingTraffic(HttpClient client, int publicPort, int adminPort) {
        this.client = client;
        this.publicBase = "http://127.0.0.1:" + publicPort;
        this.adminBase = "http://127.0.0.1:" + adminPort;
    }

    /**
     * Runs {@code clients} loops, each sending one request at a time, until {@code requests}
     * rounds of {@link #PUBLIC} exchanges are done or {@code limit} has passed (a busy build
     * machine: the cache is then trained on fewer requests); returns when all have stopped.
     */
    void run(int clients, long rounds, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        AtomicLong started = new AtomicLong();
        try (ExecutorService loops = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < clients; i++) {
                loops.submit(() -> loop(started, rounds, end));
            }
            loops.shutdown();
            if (!loops.awaitTermination(limit.plus(REQUEST_TIMEOUT).toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                fail("the clients did not finish in time");
                loops.shutdownNow();
            }
        }
    }

    private void loop(AtomicLong started, long rounds, long end) {
        for (long round = started.getAndIncrement(); round < rounds && System.nanoTime() < end; round = started.getAndIncrement()) {
            for (Exchange exchange : PUBLIC) {
                send(exchange);
            }
            if (round % ADMIN_EVERY == 0) {
                ADMIN.forEach(this::send);
            }
        }
    }

    private void send(Exchange exchange) {
        Request request = client.newRequest((exchange.admin() ? adminBase : publicBase) + exchange.path())
            .method(exchange.method())
            .headers(headers -> headers.put(HttpHeader.ACCEPT, JSON).put(HttpHeader.USER_AGENT, "nexus-aot-training"))
            .timeout(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (exchange.body() != null) {
            request.body(new StringRequestContent(JSON, exchange.body()));
        }
        try {
            ContentResponse response = request.send();
            answers.computeIfAbsent(exchange.name() + " " + response.getStatus(), key -> new LongAdder()).increment();
            if (response.getStatus() != exchange.expected()) {
                fail(exchange.method() + " " + exchange.path() + " answered " + response.getStatus() + ", expected " + exchange.expected()
                    + ": " + response.getContentAsString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            fail(exchange.method() + " " + exchange.path() + " failed: " + e);
        }
    }

    private void fail(String failure) {
        failed.increment();
        synchronized (failures) {
            if (failures.size() < MAX_FAILURES_KEPT) {
                failures.add(failure);
            }
        }
    }

    /** Answers by exchange and status, e.g. {@code "GET /echo 200" -> 12000}. */
    Map<String, Long> answers() {
        Map<String, Long> counts = new TreeMap<>();
        answers.forEach((key, count) -> counts.put(key, count.sum()));
        return counts;
    }

    long failed() {
        return failed.sum();
    }

    /** The first few failures, for the report. */
    List<String> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }
}
