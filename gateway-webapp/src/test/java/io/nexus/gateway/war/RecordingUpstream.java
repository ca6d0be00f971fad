package io.nexus.gateway.war;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An upstream on {@code 127.0.0.1} and an ephemeral port that records every request it receives
 * ({@link #takeRequest()}) and answers 200 with a JSON description of it; {@value #DELAY_HEADER}
 * holds the answer back that many milliseconds.
 */
final class RecordingUpstream implements AutoCloseable {

    /** What the upstream really received; header names are case-insensitive. */
    record RecordedRequest(String method, String path, String query, Map<String, List<String>> headers, String body) {

        String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : String.join(", ", values);
        }
    }

    /** A request header that makes the upstream answer only after this many milliseconds. */
    static final String DELAY_HEADER = "X-Test-Delay-Millis";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BlockingQueue<RecordedRequest> requests = new LinkedBlockingQueue<>();
    private final Server server;
    private final ServerConnector connector;

    RecordingUpstream() {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("war-it-upstream");
        server = new Server(threads);
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Recorder());
    }

    void start() throws Exception {
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    /** The oldest request not yet taken; fails when none arrives within 10 seconds. */
    RecordedRequest takeRequest() throws InterruptedException {
        RecordedRequest request = requests.poll(10, TimeUnit.SECONDS);
        if (request == null) {
            throw new AssertionError("the upstream received no request within 10s");
        }
        return request;
    }

    /** Forgets what earlier tests left unread. */
    void clear() {
        requests.clear();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private final class Recorder extends Handler.Abstract {

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (HttpField field : request.getHeaders()) {
                headers.computeIfAbsent(field.getName(), name -> new ArrayList<>()).add(field.getValue());
            }
            // Blocking read: this handler runs on a pool thread (Handler.Abstract is BLOCKING).
            String body = Content.Source.asString(request);
            RecordedRequest recorded = new RecordedRequest(request.getMethod(), request.getHttpURI().getPath(),
                request.getHttpURI().getQuery(), headers, body);
            requests.add(recorded);

            Map<String, Object> reflection = new LinkedHashMap<>();
            reflection.put("method", recorded.method());
            reflection.put("path", recorded.path());
            reflection.put("query", recorded.query());
            reflection.put("headers", recorded.headers());
            reflection.put("body", recorded.body());
            String json = JSON.writeValueAsString(reflection);
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            String delay = request.getHeaders().get(DELAY_HEADER);
            if (delay == null) {
                Content.Sink.write(response, true, json, callback);
            } else {
                // A slow upstream without a blocked thread: the scheduler writes the answer later.
                server.getScheduler().schedule(() -> Content.Sink.write(response, true, json, callback),
                    Long.parseLong(delay), TimeUnit.MILLISECONDS);
            }
            return true;
        }
    }
}
