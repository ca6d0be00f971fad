package io.nexus.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An upstream target in an OS process of its own (a JVM on the test's class path running a
 * plain Jetty server that answers every request 200 with {@code X-Upstream: NAME}), so that a
 * test can kill it the way a pod is killed: {@link #kill()} is SIGKILL, and the kernel closes
 * its sockets with whatever requests were on them.
 */
final class UpstreamProcess implements AutoCloseable {

    private static final String LISTENING = "LISTENING ";

    private final Process process;
    private final int port;

    private UpstreamProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the process and waits (at most 30 s) until it listens. */
    static UpstreamProcess start(String name) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(List.of(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
            UpstreamProcess.class.getName(), name)).redirectErrorStream(true).start();
        BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Integer> listening = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = output.readLine()) != null; ) {
                    if (line.startsWith(LISTENING)) {
                        return Integer.parseInt(line.substring(LISTENING.length()).trim());
                    }
                }
                throw new IllegalStateException("upstream process " + name + " exited with " + process.waitFor());
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            int port = listening.get(30, TimeUnit.SECONDS);
            // Keep draining its output so that it never blocks on a full pipe.
            Thread.ofVirtual().start(() -> {
                try {
                    output.transferTo(Writer.nullWriter());
                } catch (IOException e) {
                    // The process is gone.
                }
            });
            return new UpstreamProcess(process, port);
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** SIGKILL, then waits until the process is gone (its sockets closed by the kernel). */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    /** The process: {@code NAME}; prints {@code LISTENING PORT} once it accepts connections. */
    public static void main(String[] args) throws Exception {
        String name = args[0];
        QueuedThreadPool threads = new QueuedThreadPool(32);
        threads.setName("upstream-" + name);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                response.getHeaders().put("X-Upstream", name);
                response.getHeaders().put("Content-Type", "text/plain");
                response.write(true, ByteBuffer.wrap(("ok from " + name + "\n").getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        });
        server.start();
        System.out.println(LISTENING + connector.getLocalPort());
        System.out.flush();
        server.join();
    }
}
