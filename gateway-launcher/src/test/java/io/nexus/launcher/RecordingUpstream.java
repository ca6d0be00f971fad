package io.nexus.launcher;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A real upstream on an ephemeral loopback port that records what it receives
 * ({@link #takeRequest()}) and answers by path:
 * <ul>
 *   <li>{@code /status/{code}}: that status;</li>
 *   <li>{@code ?bytes=N}: a body of N deterministic bytes;</li>
 *   <li>{@code ?echo=1}: the request body back;</li>
 *   <li>{@code /hold}: waits until {@link #release()} before answering;</li>
 *   <li>{@code ?header=Name:Value}: adds that response header;</li>
 *   <li>anything else: 200 with the body {@code upstream <name>}.</li>
 * </ul>
 * Every response carries {@code X-Upstream: <name>}.
 */
final class RecordingUpstream implements AutoCloseable {

    /** What the upstream really received. */
    record Recorded(String method, String path, String query, HttpFields headers, byte[] body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    private final String name;
    private final Server server;
    private final ServerConnector connector;
    private final BlockingQueue<Recorded> requests = new LinkedBlockingQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    private volatile CountDownLatch hold = new CountDownLatch(1);
    private final AtomicInteger holding = new AtomicInteger();
    private final AtomicInteger maxHolding = new AtomicInteger();

    private RecordingUpstream(String name) throws Exception {
        this.name = name;
        QueuedThreadPool threads = new QueuedThreadPool(64);
        threads.setName("upstream-" + name);
        server = new Server(threads);
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new RecordingHandler());
        server.start();
    }

    static RecordingUpstream start(String name) throws Exception {
        return new RecordingUpstream(name);
    }

    String url() {
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    int port() {
        return connector.getLocalPort();
    }

    /** The next request received, waiting up to 5 s; fails when none came. */
    Recorded takeRequest() throws InterruptedException {
        Recorded recorded = requests.poll(5, TimeUnit.SECONDS);
        if (recorded == null) {
            throw new AssertionError("upstream " + name + " received no request within 5 s");
        }
        return recorded;
    }

    /** Forgets requests not taken yet. */
    void clear() {
        requests.clear();
    }

    /** Requests received and not taken yet. */
    int pending() {
        return requests.size();
    }

    /** Requests received since start. */
    int requestCount() {
        return count.get();
    }

    /** Requests parked in {@code /hold} right now. */
    int holding() {
        return holding.get();
    }

    /** Makes {@code /hold} park requests again after a {@link #release()}. */
    void rearm() {
        hold = new CountDownLatch(1);
    }

    /** The most requests ever parked in {@code /hold} at once. */
    int maxHolding() {
        return maxHolding.get();
    }

    /** Open connections from clients (the gateway) to this upstream. */
    int openConnections() {
        return connector.getConnectedEndPoints().size();
    }

    /** Lets every request parked in {@code /hold} answer, and future ones pass at once. */
    void release() {
        hold.countDown();
    }

    @Override
    public void close() throws Exception {
        release();
        server.stop();
    }

    private final class RecordingHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            byte[] body;
            try (InputStream in = Content.Source.asInputStream(request)) {
                body = in.readAllBytes();
            }
            String path = request.getHttpURI().getPath();
            String query = request.getHttpURI().getQuery();
            requests.add(new Recorded(request.getMethod(), path, query, HttpFields.build(request.getHeaders()).asImmutable(), body));
            count.incrementAndGet();
            Fields params = Request.extractQueryParameters(request);

            if (path.equals("/hold")) {
                maxHolding.accumulateAndGet(holding.incrementAndGet(), Math::max);
                try {
                    hold.await(10, TimeUnit.SECONDS);
                } finally {
                    holding.decrementAndGet();
                }
            }
            int status = path.startsWith("/status/") ? Integer.parseInt(path.substring("/status/".length())) : 200;
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
                out = ("upstream " + name).getBytes();
            }
            response.getHeaders().put("Content-Length", out.length);
            response.write(true, ByteBuffer.wrap(out), callback);
            return true;
        }
    }

    /** N bytes of a repeating, position-dependent pattern: a lost or moved chunk shows. */
    static byte[] bytes(int n) {
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) (i * 31 + (i >>> 8));
        }
        return bytes;
    }

    static Map<String, List<String>> asMap(HttpFields fields) {
        Map<String, List<String>> map = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (HttpField field : fields) {
            map.computeIfAbsent(field.getName(), k -> new ArrayList<>()).add(field.getValue());
        }
        return map;
    }
}
