package io.nexus.launcher;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Writes HTTP/2 requests frame by frame over TLS, for header fields a well-behaved client never
 * sends (Jetty's and curl's encoders drop connection-specific fields before they reach the wire).
 */
final class RawHttp2 {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADERS = 0x1;
    private static final int RST_STREAM = 0x3;
    private static final int SETTINGS = 0x4;
    private static final int GOAWAY = 0x7;

    private RawHttp2() {
    }

    /**
     * Sends {@code GET path} with one extra field on stream 1 and returns the response's status,
     * or the negated error code when the stream or connection is reset instead.
     */
    static int status(SSLContext context, int port, String path, String name, String value) throws IOException {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            OutputStream out = socket.getOutputStream();
            out.write(PREFACE);
            frame(out, SETTINGS, 0, 0, new byte[0]);
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.write(0x82); // :method GET (static index 2)
            block.write(0x87); // :scheme https (static index 7)
            literal(block, 4, path); // :path, name from static index 4
            literal(block, 1, "api.test"); // :authority, name from static index 1
            block.write(0x00); // literal field, new name, not indexed
            string(block, name);
            string(block, value);
            frame(out, HEADERS, 0x4 | 0x1, 1, block.toByteArray()); // END_HEADERS | END_STREAM
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            while (true) {
                int length = (in.readUnsignedShort() << 8) | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                byte[] payload = in.readNBytes(length);
                if (type == SETTINGS && length > 0) {
                    frame(out, SETTINGS, 0x1, 0, new byte[0]); // ACK
                } else if (type == HEADERS && stream == 1) {
                    return status(payload);
                } else if (type == RST_STREAM && stream == 1) {
                    return -((payload[0] & 0xff) << 24 | (payload[1] & 0xff) << 16 | (payload[2] & 0xff) << 8 | payload[3] & 0xff);
                } else if (type == GOAWAY) {
                    return -(payload[7] & 0xff);
                }
            }
        }
    }

    /** The status of the block's first field, an indexed :status (HPACK static entries 8 to 14), after any table size updates. */
    private static int status(byte[] block) {
        int at = 0;
        while ((block[at] & 0xe0) == 0x20) { // dynamic table size update, 5-bit prefix integer
            if ((block[at++] & 0x1f) == 0x1f) {
                while ((block[at++] & 0x80) != 0) {
                    // continuation bytes of the size
                }
            }
        }
        int firstByte = block[at] & 0xff;
        return switch (firstByte) {
            case 0x88 -> 200;
            case 0x89 -> 204;
            case 0x8a -> 206;
            case 0x8b -> 304;
            case 0x8c -> 400;
            case 0x8d -> 404;
            case 0x8e -> 500;
            default -> throw new IllegalStateException("status not from the static table: 0x" + Integer.toHexString(firstByte));
        };
    }

    private static void literal(ByteArrayOutputStream block, int nameIndex, String value) {
        block.write(nameIndex); // literal without indexing, indexed name (4-bit prefix)
        string(block, value);
    }

    private static void string(ByteArrayOutputStream block, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > 126) {
            throw new IllegalArgumentException("keep raw HTTP/2 strings short");
        }
        block.write(bytes.length);
        block.writeBytes(bytes);
    }

    private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(new byte[] {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length, (byte) type, (byte) flags,
            (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
        out.write(payload);
    }
}
