package io.nexus.gateway.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A real upstream on {@code 127.0.0.1} and an ephemeral port that records what it receives
 * ({@link #takeRequest()}) and answers by path and query:
 * <ul>
 *   <li>{@code /status/{code}}: that status;</li>
 *   <li>{@code ?bytes=N}: a body of N deterministic bytes ({@link #bytes(int)});</li>
 *   <li>{@code ?echo=1}: the request body back;</li>
 *   <li>{@code ?header=Name:Value}: adds that response header (repeatable);</li>
 *   <li>{@code /hold}: waits until {@link #release()} before answering;</li>
 *   <li>{@code /stream}: a {@code text/event-stream} whose first event is written (a chunk of
 *       its own) before it waits for {@link #release()}, then a second one;</li>
 *   <li>query {@code early-hint=LINK} (repeatable): a {@code 103 Early Hints} with that {@code Link} first;</li>
 *   <li>request header {@value #DELAY_HEADER}: answers that many milliseconds later, without
 *       holding a thread;</li>
 *   <li>otherwise: a JSON reflection of the request ({@code upstream, method, path, query,
 *       headers, body}).</li>
 * </ul>
 * Every response carries {@code X-Upstream: <name>}. Shared by the launcher's end-to-end tests
 * (through this module's test jar) and the WAR's integration tests.
 */
public final class RecordingUpstream implements AutoCloseable {

    /** A request header that makes the upstream answer only after this many milliseconds. */
    public static final String DELAY_HEADER = "X-Test-Delay-Millis";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the upstream really received. */
    /** @param version the HTTP version the request came in (HTTP/1.1, or HTTP/2.0 by prior knowledge) */
    public record Recorded(String method, String path, String query, HttpFields headers, byte[] body, String version) {

        public String header(String name) {
            List<String> values = headers.getValuesList(name);
            return values.isEmpty() ? null : String.join(", ", values);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final String name;
    private final Server server;
    private final ServerConnector connector;
    private final BlockingQueue<Recorded> requests = new LinkedBlockingQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger holding = new AtomicInteger();
    private final AtomicInteger maxHolding = new AtomicInteger();
    private volatile CountDownLatch hold = new CountDownLatch(1);

    private volatile int forcedStatus;

    private RecordingUpstream(String name, int port) throws Exception {
        this.name = name;
        QueuedThreadPool threads = new QueuedThreadPool(64);
        threads.setName("upstream-" + name);
        server = new Server(threads);
        // HTTP/1.1, and HTTP/2 by prior knowledge for upstreams with protocol = h2c.
        HttpConfiguration http = new HttpConfiguration();
        connector = new ServerConnector(server, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.addEventListener(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                accepted.incrementAndGet();
            }
        });
        server.addConnector(connector);
        server.setHandler(new RecordingHandler());
        server.start();
    }

    /** Starts an upstream whose responses say {@code X-Upstream: name}. */
    public static RecordingUpstream start(String name) throws Exception {
        return new RecordingUpstream(name, 0);
    }

    /** Starts on a given port, e.g. where a stopped upstream listened, to bring it back. */
    public static RecordingUpstream start(String name, int port) throws Exception {
        return new RecordingUpstream(name, port);
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** From now on answers every request with this status (0: back to normal). */
    public void answerAll(int status) {
        forcedStatus = status;
    }

    public String url() {
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    public URI uri() {
        return URI.create(url());
    }

    /** The next request received, waiting up to 10 s; fails when none came. */
    public Recorded takeRequest() throws InterruptedException {
        Recorded recorded = requests.poll(10, TimeUnit.SECONDS);
        if (recorded == null) {
            throw new AssertionError("upstream " + name + " received no request within 10 s");
        }
        return recorded;
    }

    /** Forgets requests not taken yet. */
    public void clear() {
        requests.clear();
    }

    /** Requests received and not taken yet. */
    public int pending() {
        return requests.size();
    }

    /** The paths of the requests received and not taken yet. */
    public java.util.List<String> pendingPaths() {
        return requests.stream().map(Recorded::path).toList();
    }

    /** Requests received since start. */
    public int requestCount() {
        return count.get();
    }

    /** Requests parked in {@code /hold} right now. */
    public int holding() {
        return holding.get();
    }

    /** The most requests ever parked in {@code /hold} at once. */
    public int maxHolding() {
        return maxHolding.get();
    }

    /** Open connections from clients (the gateway) to this upstream. */
    public int openConnections() {
        return connector.getConnectedEndPoints().size();
    }

    /** Connections accepted since start, open or closed: a client reusing its connections adds none. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** Makes {@code /hold} park requests again after a {@link #release()}. */
    public void rearm() {
        hold = new CountDownLatch(1);
    }

    /** Lets every request parked in {@code /hold} answer, and future ones pass at once. */
    public void release() {
        hold.countDown();
    }

    @Override
    public void close() throws Exception {
        release();
        server.stop();
    }

    /** N bytes of a repeating, position-dependent pattern: a lost or moved chunk shows. */
    public static byte[] bytes(int n) {
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) (i * 31 + (i >>> 8));
        }
        return bytes;
    }

    private final class RecordingHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            byte[] body;
            // A blocking read is fine: Handler.Abstract runs on a pool thread.
            try (InputStream in = Content.Source.asInputStream(request)) {
                body = in.readAllBytes();
            }
            String path = request.getHttpURI().getPath();
            String query = request.getHttpURI().getQuery();
            Recorded recorded = new Recorded(request.getMethod(), path, query, HttpFields.build(request.getHeaders()).asImmutable(), body,
                request.getConnectionMetaData().getHttpVersion().asString());
            requests.add(recorded);
            count.incrementAndGet();
            Fields params = Request.extractQueryParameters(request);

            if (path.equals("/stream")) {
                response.getHeaders().put("Content-Type", "text/event-stream");
                response.getHeaders().put("X-Upstream", name);
                Callback.Completable first = new Callback.Completable();
                response.write(false, ByteBuffer.wrap("data: first\n\n".getBytes(StandardCharsets.UTF_8)), first);
                first.get(5, TimeUnit.SECONDS);
                hold(hold);
                response.write(true, ByteBuffer.wrap("data: second\n\n".getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
            if (path.equals("/hold")) {
                hold(hold);
            }
            for (String hint : params.getValuesOrEmpty("early-hint")) {
                // A 103 Early Hints before the final answer, as Puma or h2o send.
                response.writeInterim(HttpStatus.EARLY_HINTS_103, HttpFields.build().add("Link", hint)).get(5, TimeUnit.SECONDS);
            }
            int status = forcedStatus != 0 ? forcedStatus
                : path.startsWith("/status/") ? Integer.parseInt(path.substring("/status/".length())) : 200;
            response.setStatus(status);
            response.getHeaders().put("X-Upstream", name);
            for (String header : params.getValuesOrEmpty("header")) {
                int colon = header.indexOf(':');
                response.getHeaders().add(header.substring(0, colon), header.substring(colon + 1));
            }
            byte[] out;
            if (params.getValue("bytes") != null) {
                out = bytes(Integer.parseInt(params.getValue("bytes")));
            } else if (params.getValue("echo") != null) {
                out = body;
            } else {
                response.getHeaders().put("Content-Type", "application/json");
                out = JSON.writeValueAsBytes(reflection(recorded));
            }
            response.getHeaders().put("Content-Length", out.length);
            String delay = request.getHeaders().get(DELAY_HEADER);
            if (delay == null) {
                response.write(true, ByteBuffer.wrap(out), callback);
            } else {
                server.getScheduler().schedule(() -> response.write(true, ByteBuffer.wrap(out), callback),
                    Long.parseLong(delay), TimeUnit.MILLISECONDS);
            }
            return true;
        }

        private void hold(CountDownLatch latch) throws InterruptedException {
            maxHolding.accumulateAndGet(holding.incrementAndGet(), Math::max);
            try {
                latch.await(10, TimeUnit.SECONDS);
            } finally {
                holding.decrementAndGet();
            }
        }

        private Map<String, Object> reflection(Recorded recorded) {
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (HttpField field : recorded.headers()) {
                headers.computeIfAbsent(field.getName(), k -> new ArrayList<>()).add(field.getValue());
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("upstream", name);
            json.put("method", recorded.method());
            json.put("path", recorded.path());
            json.put("query", recorded.query());
            json.put("headers", headers);
            json.put("body", recorded.bodyText());
            return json;
        }
    }
}
