package io.nexus.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DEMO ONLY: a tiny echo server that the default config routes to, so that a newcomer can curl
 * the gateway at once. It answers every request with a JSON description of what it received.
 * Enabled by {@code nexus.demo.enabled}; never for production.
 */
final class DemoUpstream implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoUpstream.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Server server;
    private final ServerConnector connector;

    private DemoUpstream(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    static DemoUpstream start(String host, int port) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new EchoHandler());
        server.start();
        LOG.info("DEMO echo upstream listening on {}:{} (nexus.demo.enabled; not for production)", host, connector.getLocalPort());
        return new DemoUpstream(server, connector);
    }

    /** The port it listens on: the one asked for, or the one the system gave for 0. */
    int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private static final class EchoHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            byte[] body;
            try (InputStream in = Content.Source.asInputStream(request)) {
                body = in.readAllBytes();
            }
            Map<String, Object> echo = new LinkedHashMap<>();
            echo.put("demo", "Nexus demo echo upstream");
            echo.put("method", request.getMethod());
            echo.put("path", request.getHttpURI().getPath());
            echo.put("query", request.getHttpURI().getQuery());
            Map<String, String> headers = new LinkedHashMap<>();
            for (HttpField field : request.getHeaders()) {
                headers.merge(field.getName(), field.getValue(), (a, b) -> a + ", " + b);
            }
            echo.put("headers", headers);
            echo.put("body", new String(body, StandardCharsets.UTF_8));
            byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(echo);
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, java.nio.ByteBuffer.wrap(json), callback);
            return true;
        }
    }
}
