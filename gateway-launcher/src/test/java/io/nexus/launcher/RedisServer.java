package io.nexus.launcher;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} process (Debian's {@code redis-server}) on an ephemeral loopback
 * port, with no persistence, in a directory of its own; never the system service. It can be
 * killed and started again on the same port, and asked things with {@code redis-cli}.
 */
final class RedisServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final int port;
    private final Path dir;
    private final List<String> extraArgs;
    private Process process;

    private RedisServer(int port, Path dir, List<String> extraArgs) {
        this.port = port;
        this.dir = dir;
        this.extraArgs = extraArgs;
    }

    /** A standalone server. */
    static RedisServer start() throws Exception {
        return start(List.of());
    }

    /** A server with extra {@code redis-server} arguments, such as {@code --cluster-enabled yes}. */
    static RedisServer start(List<String> extraArgs) throws Exception {
        RedisServer server = new RedisServer(freePort(), Files.createTempDirectory("nexus-redis"), List.copyOf(extraArgs));
        server.startProcess();
        return server;
    }

    int port() {
        return port;
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    private void startProcess() throws Exception {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no"));
        command.addAll(extraArgs);
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(20)).until(this::answersPing);
    }

    /** Kills the process (SIGKILL) and waits until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Stops the process (SIGSTOP): connections stay open, nothing answers, as with a server stuck in a long command. */
    void pause() throws Exception {
        signal("STOP");
    }

    /** Lets a paused process go on (SIGCONT). */
    void resume() throws Exception {
        signal("CONT");
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** Starts the server again on the same port (empty: nothing is persisted). */
    void restart() throws Exception {
        startProcess();
    }

    /** {@code redis-cli -p PORT args...}: its standard output. */
    String cli(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        command.addAll(List.of(args));
        Process cli = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!cli.waitFor(30, TimeUnit.SECONDS)) {
            cli.destroyForcibly();
            throw new IllegalStateException("redis-cli " + args[0] + " did not finish");
        }
        return output;
    }

    /** Calls of a command so far ({@code INFO commandstats}), e.g. {@code evalsha}. */
    long calls(String command) throws Exception {
        for (String line : cli("INFO", "commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":calls=")) {
                return Long.parseLong(line.substring(line.indexOf('=') + 1, line.indexOf(',')));
            }
        }
        return 0;
    }

    private boolean answersPing() {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(7);
            return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    /** A free port whose cluster bus port (+10000) is free too. */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            }
            if (port + 10000 <= 65535 && free(port + 10000)) {
                return port;
            }
        }
        throw new IOException("no free port pair for redis-server");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            resume();
            kill();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
