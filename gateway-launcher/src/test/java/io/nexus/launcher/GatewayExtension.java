package io.nexus.launcher;

import com.typesafe.config.ConfigUtil;
import io.nexus.gateway.middleware.MiddlewareRegistry;
import io.nexus.gateway.testing.RecordingUpstream;
import io.nexus.gateway.testing.WebSocketEchoUpstream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;

/**
 * Starts a test class's upstreams, then its gateway and the gateway's clients, all on
 * ephemeral loopback ports, and stops them in reverse order: clients, gateway, upstreams. By
 * default everything lives for the whole class; {@link Builder#perMethod()} starts it afresh
 * for every test. Register it on a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final GatewayExtension nexus = GatewayExtension.builder()
 *     .recordingUpstream("users")
 *     .config("""
 *         nexus {
 *           upstreams { users { targets = [${upstreams.users}] } }
 *           routes = [{ name = "users", path = "/users", upstream = "users" }]
 *         }
 *         """)
 *     .build();
 *
 * @ProtocolTest
 * void usersAreProxied(GatewayClient client) throws Exception {
 *     assertThat(client.get("/users/7").getStatus()).isEqualTo(200);
 *     assertThat(nexus.upstream("users").takeRequest().path()).isEqualTo("/users/7");
 * }
 * }</pre>
 *
 * <p>Upstreams come in four kinds: {@link Builder#recordingUpstream} (a {@link RecordingUpstream}),
 * {@link Builder#refusingUpstream} (a port that refuses connections), {@link Builder#unreachableUpstream}
 * (a connect that hangs) and {@link Builder#upstream(String, Handler)} (a handler of the test's own).
 * The config names each as {@code ${upstreams.NAME}}; the extension
 * resolves it to the upstream's URL as a quoted HOCON string, where HOCON would resolve a
 * substitution (so {@code ${upstreams.users}"/base/"} concatenates), and leaves the rest of the
 * text as written, so that config errors still point at the test's own lines. The gateway
 * gets {@link TestGateway#BASE} (loopback, ports 0, no drain delay) first.
 *
 * <p>{@link ProtocolTest} methods run once over HTTP/1.1 and once over HTTP/2. The gateway offers
 * HTTP/2 only through TLS, so the gateway of a class with such methods also terminates TLS with
 * a throwaway certificate.
 *
 * <p>A test may start more gateways ({@link #startGateway}, {@link #startGatewayFromFile}): they
 * stop at the end of that test, before anything the extension started earlier.
 */
final class GatewayExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
    TestTemplateInvocationContextProvider {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{\\s*upstreams\\.([A-Za-z0-9_-]+)\\s*}");

    /** Starts one kind of upstream. */
    @FunctionalInterface
    private interface UpstreamStarter {
        StartedUpstream start(String name) throws Exception;
    }

    /** A running upstream: what tests reach it by, and how it stops. */
    private record StartedUpstream(String url, Object fixture, AutoCloseable stop) {
    }

    /** An upstream a test started its own way. */
    record Started(String url, Object fixture, AutoCloseable stop) {
    }

    /** Config text computed when the gateway starts, e.g. from keys the class made first. */
    @FunctionalInterface
    interface ConfigText {
        String text() throws Exception;
    }

    private final Map<String, UpstreamStarter> declared;
    private final ConfigText config;
    private final MiddlewareRegistry middlewares;
    private final boolean perMethod;

    private final Map<String, StartedUpstream> upstreams = new LinkedHashMap<>();
    /** What the class (or, per method, the test) started, newest first. */
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    /** What the running test started on top, newest first. */
    private final Deque<AutoCloseable> startedByTest = new ArrayDeque<>();
    private boolean inTest;
    private boolean classStarted;
    private boolean http2;
    private TestGateway gateway;

    private GatewayExtension(Builder builder) {
        declared = new LinkedHashMap<>(builder.upstreams);
        config = builder.config;
        middlewares = builder.middlewares;
        perMethod = builder.perMethod;
    }

    static Builder builder() {
        return new Builder();
    }

    /** What a {@link GatewayExtension} starts. */
    static final class Builder {
        private final Map<String, UpstreamStarter> upstreams = new LinkedHashMap<>();
        private ConfigText config;
        private MiddlewareRegistry middlewares;
        private boolean perMethod;

        private Builder() {
        }

        private Builder declare(String name, UpstreamStarter starter) {
            if (upstreams.putIfAbsent(name, starter) != null) {
                throw new IllegalArgumentException("upstream " + name + " is declared twice");
            }
            return this;
        }

        /** A {@link RecordingUpstream} whose responses say {@code X-Upstream: name}. */
        Builder recordingUpstream(String name) {
            return declare(name, n -> {
                RecordingUpstream upstream = RecordingUpstream.start(n);
                return new StartedUpstream(upstream.url(), upstream, upstream);
            });
        }

        /** A port nothing listens on: connections are refused. */
        Builder refusingUpstream(String name) {
            return declare(name, n -> {
                int port;
                try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    port = socket.getLocalPort();
                }
                return new StartedUpstream("http://127.0.0.1:" + port, port, () -> { });
            });
        }

        /**
         * A listener that never accepts, its backlog full: Linux drops further SYNs, so a
         * connect hangs until the client's connect timeout, like a target that vanished.
         */
        Builder unreachableUpstream(String name) {
            return declare(name, n -> {
                ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                List<Socket> fillers = new ArrayList<>();
                AutoCloseable stop = () -> {
                    for (Socket filler : fillers) {
                        filler.close();
                    }
                    listener.close();
                };
                try {
                    for (int i = 0; i < 2; i++) {
                        Socket filler = new Socket();
                        fillers.add(filler);
                        filler.connect(listener.getLocalSocketAddress(), 1000);
                    }
                } catch (Exception e) {
                    stop.close();
                    throw e;
                }
                return new StartedUpstream("http://127.0.0.1:" + listener.getLocalPort(), listener, stop);
            });
        }

        /** A {@link WebSocketEchoUpstream}: Jetty's WebSocket server echoing what it receives. */
        Builder webSocketUpstream(String name) {
            return declare(name, n -> {
                WebSocketEchoUpstream upstream = WebSocketEchoUpstream.start();
                return new StartedUpstream(upstream.url(), upstream, upstream);
            });
        }

        /** A {@link ScriptedUpstream} on a raw socket, for answers no well-behaved server writes. */
        Builder scriptedUpstream(String name) {
            return declare(name, n -> {
                ScriptedUpstream upstream = ScriptedUpstream.start();
                return new StartedUpstream(upstream.url(), upstream, upstream);
            });
        }

        /** A Jetty server of its own running {@code handler}, for upstreams that answer in a way of their own. */
        Builder upstream(String name, Handler handler) {
            return declare(name, n -> {
                QueuedThreadPool threads = new QueuedThreadPool(16);
                threads.setName("upstream-" + n);
                Server server = new Server(threads);
                ServerConnector connector = new ServerConnector(server);
                connector.setHost("127.0.0.1");
                server.addConnector(connector);
                server.setHandler(handler);
                server.start();
                return new StartedUpstream("http://127.0.0.1:" + connector.getLocalPort(), server, server::stop);
            });
        }

        /**
         * A Jetty server the test builds (HTTP/2, TLS, ...), started here; its URL is its first
         * connector's: https when that has an {@code SslConnectionFactory}, then {@code localhost}
         * (the name test certificates carry), else http and 127.0.0.1.
         */
        Builder server(String name, Callable<Server> factory) {
            return declare(name, n -> {
                Server server = factory.call();
                server.start();
                ServerConnector connector = (ServerConnector) server.getConnectors()[0];
                boolean tls = connector.getConnectionFactory(SslConnectionFactory.class) != null;
                String url = (tls ? "https://localhost:" : "http://127.0.0.1:") + connector.getLocalPort();
                return new StartedUpstream(url, server, server::stop);
            });
        }

        /** An upstream the test starts its own way (a gRPC server): its URL, the object tests reach it by, how it stops. */
        Builder started(String name, Callable<Started> starter) {
            return declare(name, n -> {
                Started running = starter.call();
                return new StartedUpstream(running.url(), running.fixture(), running.stop());
            });
        }

        /** The gateway's config, HOCON with {@code ${upstreams.NAME}} for the declared upstreams. */
        Builder config(String text) {
            return config(() -> text);
        }

        /** The gateway's config, computed when the gateway starts. */
        Builder config(ConfigText text) {
            this.config = text;
            return this;
        }

        /** The middlewares the gateway knows (default: the built-in ones). */
        Builder middlewares(MiddlewareRegistry registry) {
            this.middlewares = registry;
            return this;
        }

        /** Fresh upstreams and gateway for every test (and every protocol of a {@link ProtocolTest}). */
        Builder perMethod() {
            this.perMethod = true;
            return this;
        }

        GatewayExtension build() {
            return new GatewayExtension(this);
        }
    }

    // JUnit callbacks

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        http2 = !AnnotationSupport.findAnnotatedMethods(context.getRequiredTestClass(), ProtocolTest.class, HierarchyTraversalMode.TOP_DOWN)
            .isEmpty();
        classStarted = true;
        if (!perMethod) {
            startDeclared();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (!classStarted) {
            // JUnit calls beforeAll only for extensions on static fields.
            throw new IllegalStateException("register GatewayExtension on a static field (use perMethod() for a fresh start per test)");
        }
        if (perMethod) {
            startDeclared();
        }
        inTest = true;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        inTest = false;
        Exception failure = stopAll(startedByTest);
        if (perMethod) {
            failure = TestGateway.add(failure, stopDeclared());
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        classStarted = false;
        Exception failure = stopDeclared();
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return AnnotationSupport.isAnnotated(context.getTestMethod(), ProtocolTest.class);
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        return Stream.of(Protocol.values()).map(this::over);
    }

    private TestTemplateInvocationContext over(Protocol protocol) {
        return new TestTemplateInvocationContext() {
            @Override
            public String getDisplayName(int invocationIndex) {
                return protocol.toString();
            }

            @Override
            public List<Extension> getAdditionalExtensions() {
                return List.of(new ParameterResolver() {
                    @Override
                    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
                        Class<?> type = parameter.getParameter().getType();
                        return type == Protocol.class || type == GatewayClient.class;
                    }

                    @Override
                    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
                        return parameter.getParameter().getType() == Protocol.class ? protocol : client(protocol);
                    }
                });
            }
        };
    }

    // Starting and stopping

    private void startDeclared() throws Exception {
        for (Map.Entry<String, UpstreamStarter> upstream : declared.entrySet()) {
            StartedUpstream running = upstream.getValue().start(upstream.getKey());
            started.push(running.stop());
            upstreams.put(upstream.getKey(), running);
        }
        if (config != null) {
            gateway = TestGateway.start(configText(config.text()), registry());
            started.push(gateway);
        }
    }

    private Exception stopDeclared() {
        Exception failure = stopAll(started);
        upstreams.clear();
        gateway = null;
        return failure;
    }

    private static Exception stopAll(Deque<AutoCloseable> running) {
        Exception failure = null;
        while (!running.isEmpty()) {
            try {
                running.pop().close();
            } catch (Exception e) {
                failure = TestGateway.add(failure, e);
            }
        }
        return failure;
    }

    private MiddlewareRegistry registry() {
        return middlewares != null ? middlewares : TestGateway.defaultMiddlewares();
    }

    private <T extends AutoCloseable> T track(T running) {
        (inTest ? startedByTest : started).push(running);
        return running;
    }

    /**
     * Another gateway on this config (with {@link TestGateway#BASE} first and the upstreams
     * resolved), stopped at the end of the test that started it.
     */
    TestGateway startGateway(String config) throws Exception {
        return track(TestGateway.start(configText(config), registry()));
    }

    /** Another gateway on a file, watched when the file says so, without a last-known-good copy. */
    TestGateway startGatewayFromFile(Path file) throws Exception {
        return startGatewayFromFile(file, null);
    }

    /** Another gateway on a file, watched when the file says so, keeping its last-known-good copy there. */
    TestGateway startGatewayFromFile(Path file, Path lastKnownGood) throws Exception {
        return track(TestGateway.startFromFile(file, lastKnownGood, registry()));
    }

    /**
     * The complete text a gateway of this extension starts on: {@link TestGateway#BASE}, TLS
     * for HTTP/2 when the class has {@link ProtocolTest}s, then the config with the upstreams
     * resolved. Also what a test writes into a config file.
     */
    String configText(String config) {
        StringBuilder text = new StringBuilder(TestGateway.BASE);
        if (http2) {
            TestCertificates.PemFiles pem = TestCertificates.localhost();
            text.append("""
                nexus.server.tls {
                  enabled = true, port = 0, http2 = true
                  certificates = [{ name = "test", certificate = %s, private-key = %s }]
                }
                """.formatted(ConfigUtil.quoteString(pem.certificate().toString()), ConfigUtil.quoteString(pem.privateKey().toString())));
        }
        return text.append(resolve(config)).toString();
    }

    /**
     * The text with every {@code ${upstreams.NAME}} replaced by that upstream's URL, quoted: only
     * outside quoted strings and comments, where HOCON would substitute.
     */
    String resolve(String config) {
        StringBuilder resolved = new StringBuilder(config.length());
        Matcher placeholder = PLACEHOLDER.matcher(config);
        int length = config.length();
        int i = 0;
        while (i < length) {
            int end;
            if (config.startsWith("\"\"\"", i)) {
                int close = config.indexOf("\"\"\"", i + 3);
                end = close < 0 ? length : close + 3;
            } else if (config.charAt(i) == '"') {
                end = i + 1;
                while (end < length && config.charAt(end) != '"' && config.charAt(end) != '\n') {
                    end += config.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(end + 1, length);
            } else if (config.charAt(i) == '#' || config.startsWith("//", i)) {
                int newline = config.indexOf('\n', i);
                end = newline < 0 ? length : newline;
            } else if (placeholder.region(i, length).lookingAt()) {
                resolved.append(ConfigUtil.quoteString(url(placeholder.group(1), placeholder.group())));
                i = placeholder.end();
                continue;
            } else {
                end = i + 1;
            }
            resolved.append(config, i, end);
            i = end;
        }
        return resolved.toString();
    }

    private String url(String name, String placeholder) {
        StartedUpstream upstream = upstreams.get(name);
        if (upstream == null) {
            throw new IllegalArgumentException("the config refers to " + placeholder + ", but the running upstreams are "
                + upstreams.keySet() + (upstreams.isEmpty() && !declared.isEmpty() ? " (they start with the class or test)" : ""));
        }
        return upstream.url();
    }

    // What tests use

    /** The class's (or test's) gateway, started on the config given to the builder. */
    TestGateway gateway() {
        if (gateway == null) {
            throw new IllegalStateException(config == null
                ? "this GatewayExtension has no config: start gateways with startGateway(config)"
                : "the gateway is not running here (it starts with the class, or per method with each test)");
        }
        return gateway;
    }

    /** A declared {@link RecordingUpstream}. */
    RecordingUpstream upstream(String name) {
        return fixture(name, RecordingUpstream.class);
    }

    /** What a declared upstream's tests reach it by: the {@link Server} of {@link Builder#server}, the fixture of {@link Builder#started}. */
    <T> T fixtureOf(String name, Class<T> type) {
        return fixture(name, type);
    }

    /** A declared {@link ScriptedUpstream}. */
    ScriptedUpstream scripted(String name) {
        return fixture(name, ScriptedUpstream.class);
    }

    /** A declared {@link WebSocketEchoUpstream}. */
    WebSocketEchoUpstream webSocket(String name) {
        return fixture(name, WebSocketEchoUpstream.class);
    }

    /** The URL of a declared upstream, as {@code ${upstreams.NAME}} resolves. */
    String url(String name) {
        return running(name).url();
    }

    private <T> T fixture(String name, Class<T> type) {
        Object fixture = running(name).fixture();
        if (!type.isInstance(fixture)) {
            throw new IllegalArgumentException("upstream " + name + " is a " + fixture.getClass().getSimpleName() + ", not a " + type.getSimpleName());
        }
        return type.cast(fixture);
    }

    private StartedUpstream running(String name) {
        StartedUpstream upstream = upstreams.get(name);
        if (upstream == null) {
            throw new IllegalArgumentException("no upstream " + name + " is running; declared: " + declared.keySet());
        }
        return upstream;
    }

    GatewayClient client(Protocol protocol) {
        return gateway().client(protocol);
    }

    Request request(String path) {
        return gateway().request(path);
    }

    ContentResponse get(String path) throws Exception {
        return gateway().get(path);
    }

    Request adminRequest(String path) {
        return gateway().adminRequest(path);
    }

    String metrics() throws Exception {
        return gateway().metrics();
    }

    void awaitMetrics(Consumer<String> assertion) {
        gateway().awaitMetrics(assertion);
    }
}
