package io.nexus.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream on a raw socket that answers each request with the bytes of a script chosen by the
 * request path ({@code /NAME...} runs the script named NAME), for responses no well-behaved
 * server writes: interim responses, silences, malformed heads, wrong lengths. A script is a
 * list of steps: bytes to write, a pause, or {@link #SILENCE} (write nothing more and keep the
 * connection open until the test ends). After its steps a script keeps the connection for the
 * next request, unless it ends with {@link #CLOSE} or {@link #RESET}.
 */
final class ScriptedUpstream implements AutoCloseable {

    /** A step: nothing more is written, the connection stays open. */
    static final Object SILENCE = new Object();
    /** A step: the connection is closed. */
    static final Object CLOSE = new Object();
    /** A step: the connection is reset (a TCP RST, as when the process behind it dies mid-request). */
    static final Object RESET = new Object();

    private final ServerSocket listener;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, List<Object>> scripts = new ConcurrentHashMap<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();

    private ScriptedUpstream() throws IOException {
        listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    static ScriptedUpstream start() throws IOException {
        return new ScriptedUpstream();
    }

    String url() {
        return "http://127.0.0.1:" + listener.getLocalPort();
    }

    /** Requests it has read, whatever it did with them. */
    int requestCount() {
        return requests.get();
    }

    /** Requests to {@code /name...} run these steps: {@code String} or {@code byte[]} (written), {@code Long} (a pause in ms), {@link #SILENCE}, {@link #CLOSE}. */
    ScriptedUpstream script(String name, Object... steps) {
        scripts.put(name, List.of(steps));
        return this;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                sockets.add(socket);
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                skipBody(in, head);
                requests.incrementAndGet();
                String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                String name = path.substring(1).split("[/?]", 2)[0];
                List<Object> steps = scripts.getOrDefault(name, List.of("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
                for (Object step : steps) {
                    if (step == SILENCE) {
                        in.transferTo(OutputStream.nullOutputStream());
                        return;
                    } else if (step == CLOSE) {
                        return;
                    } else if (step == RESET) {
                        // Linger 0: the close sends RST instead of FIN.
                        socket.setSoLinger(true, 0);
                        return;
                    } else if (step instanceof Long pause) {
                        out.flush();
                        Thread.sleep(pause);
                    } else {
                        out.write(step instanceof byte[] bytes ? bytes : ((String) step).getBytes(StandardCharsets.ISO_8859_1));
                    }
                }
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // The gateway closed or reset the connection: the script is over.
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int b; (b = in.read()) >= 0; ) {
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private static void skipBody(InputStream in, String head) throws IOException {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                in.readNBytes(Integer.parseInt(line.substring(15).trim()));
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket socket : sockets) {
            socket.close();
        }
        threads.shutdownNow();
    }
}
