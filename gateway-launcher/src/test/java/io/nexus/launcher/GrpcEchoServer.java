package io.nexus.launcher;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real grpc-java server (Netty, h2c) with methods of every kind on byte arrays, so that no code
 * generation is needed: {@code test.Echo/Unary}, {@code /ClientStream}, {@code /ServerStream},
 * {@code /Bidi}, {@code /Unavailable} (fails with trailers of its own), {@code /Silent} (never answers) and {@code /Hang}
 * (answers nothing, and records its deadline and its cancellation).
 */
final class GrpcEchoServer implements AutoCloseable {

    static final String SERVICE = "test.Echo";
    static final Metadata.Key<String> HINT = Metadata.Key.of("x-retry-hint", Metadata.ASCII_STRING_MARSHALLER);
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private final Server server;
    /** Milliseconds the last {@code /Hang} call had left when it arrived; -1 without a deadline. */
    final AtomicLong hangDeadlineMillis = new AtomicLong();
    volatile CountDownLatch hangArrived = new CountDownLatch(1);
    volatile CountDownLatch cancelled = new CountDownLatch(1);

    private GrpcEchoServer(int port) throws IOException {
        server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create()).addService(service()).build().start();
    }

    static GrpcEchoServer start() throws IOException {
        return new GrpcEchoServer(0);
    }

    /** bench/protocols.sh's gRPC upstream: serves on the given port until killed. */
    public static void main(String[] args) throws Exception {
        GrpcEchoServer server = new GrpcEchoServer(Integer.parseInt(args[0]));
        server.server.awaitTermination();
    }

    String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    int port() {
        return server.getPort();
    }

    static MethodDescriptor<byte[], byte[]> method(String service, String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type).setFullMethodName(service + "/" + name)
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private ServerServiceDefinition service() {
        return ServerServiceDefinition.builder(SERVICE)
            .addMethod(method(SERVICE, "Unary", MethodDescriptor.MethodType.UNARY), ServerCalls.asyncUnaryCall((request, response) -> {
                response.onNext(bytes("echo:" + text(request)));
                response.onCompleted();
            }))
            .addMethod(method(SERVICE, "ClientStream", MethodDescriptor.MethodType.CLIENT_STREAMING),
                ServerCalls.asyncClientStreamingCall(response -> new StreamObserver<byte[]>() {
                    private final StringBuilder all = new StringBuilder();
                    private int count;

                    @Override
                    public void onNext(byte[] value) {
                        count++;
                        all.append(text(value));
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        response.onNext(bytes(count + ":" + all));
                        response.onCompleted();
                    }
                }))
            .addMethod(method(SERVICE, "ServerStream", MethodDescriptor.MethodType.SERVER_STREAMING),
                ServerCalls.asyncServerStreamingCall((request, response) -> {
                    int n = Integer.parseInt(text(request));
                    for (int i = 0; i < n; i++) {
                        response.onNext(bytes("m" + i));
                    }
                    response.onCompleted();
                }))
            .addMethod(method(SERVICE, "Bidi", MethodDescriptor.MethodType.BIDI_STREAMING),
                ServerCalls.asyncBidiStreamingCall(response -> new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        response.onNext(bytes(text(value).toUpperCase(java.util.Locale.ROOT)));
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        response.onCompleted();
                    }
                }))
            .addMethod(method(SERVICE, "Unavailable", MethodDescriptor.MethodType.UNARY), ServerCalls.asyncUnaryCall((request, response) -> {
                Metadata trailers = new Metadata();
                trailers.put(HINT, "in 5s");
                response.onError(Status.UNAVAILABLE.withDescription("warming up, 50% done").asRuntimeException(trailers));
            }))
            // Never answers: the gateway's deadline has to end it.
            .addMethod(method(SERVICE, "Silent", MethodDescriptor.MethodType.UNARY), ServerCalls.asyncUnaryCall((request, response) -> { }))
            .addMethod(method(SERVICE, "Hang", MethodDescriptor.MethodType.SERVER_STREAMING),
                ServerCalls.asyncServerStreamingCall((request, response) -> {
                    Deadline deadline = Context.current().getDeadline();
                    hangDeadlineMillis.set(deadline == null ? -1 : deadline.timeRemaining(TimeUnit.MILLISECONDS));
                    ServerCallStreamObserver<byte[]> observer = (ServerCallStreamObserver<byte[]>) response;
                    observer.setOnCancelHandler(() -> cancelled.countDown());
                    observer.onNext(bytes("started"));
                    hangArrived.countDown();
                }))
            .build();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
