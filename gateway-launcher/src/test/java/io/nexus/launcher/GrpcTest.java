package io.nexus.launcher;

import static io.nexus.launcher.GrpcEchoServer.bytes;
import static io.nexus.launcher.GrpcEchoServer.method;
import static io.nexus.launcher.GrpcEchoServer.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.nexus.gateway.config.Sha256;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * gRPC through the gateway (docs/protocols.md, "gRPC"): a real grpc-java client speaks h2c by
 * prior knowledge to the public port, the gateway speaks h2c to a real grpc-java server. Every
 * call kind passes with its status and trailers; deadlines, cancellation, an upstream's error
 * and the gateway's own refusals reach the client as gRPC statuses.
 */
class GrpcTest {

    private static final String API_KEY = "grpc-test-key-0123456789";
    private static final String ECHO = GrpcEchoServer.SERVICE;

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .started("grpc", () -> {
            GrpcEchoServer server = GrpcEchoServer.start();
            return new GatewayExtension.Started(server.url(), server, server);
        })
        .refusingUpstream("down")
        .config("""
            nexus {
              upstreams {
                grpc { targets = [${upstreams.grpc}], protocol = h2c }
                down { targets = [${upstreams.down}], protocol = h2c, circuit-breaker.enabled = false }
              }
              auth { keys { type = api-key, header = "X-API-Key", keys = [{ id = "test", sha256 = "%s" }] } }
              routes = [
                { name = "echo", path = "/test.Echo/", upstream = "grpc" }
                { name = "short", path = "/test.Echo/Silent", match = exact, upstream = "grpc", request-timeout = 300ms }
                { name = "secured", path = "/test.Secured/", upstream = "grpc", auth = "keys" }
                { name = "limited", path = "/test.Limited/", upstream = "grpc", rate-limit { requests = 1, window = 1m, key = route } }
                { name = "down", path = "/test.Down/", upstream = "down" }
              ]
            }
            """.formatted(Sha256.hex(API_KEY)))
        .build();

    private ManagedChannel channel;

    @BeforeEach
    void connect() {
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", nexus.gateway().publicPort(), InsecureChannelCredentials.create()).build();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private GrpcEchoServer server() {
        return nexus.fixtureOf("grpc", GrpcEchoServer.class);
    }

    @Test
    void unaryCallPassesThrough() {
        byte[] answer = ClientCalls.blockingUnaryCall(channel, method(ECHO, "Unary", MethodType.UNARY), options(), bytes("hi"));
        assertThat(text(answer)).isEqualTo("echo:hi");
    }

    @Test
    void clientStreamingCallPassesThrough() throws Exception {
        CompletableFuture<String> result = new CompletableFuture<>();
        StreamObserver<byte[]> requests = ClientCalls.asyncClientStreamingCall(
            channel.newCall(method(ECHO, "ClientStream", MethodType.CLIENT_STREAMING), options()), observer(result, new ArrayList<>()));
        for (String part : List.of("a", "b", "c")) {
            requests.onNext(bytes(part));
        }
        requests.onCompleted();
        assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("3:abc");
    }

    @Test
    void serverStreamingCallPassesThroughWithItsEndingStatus() {
        Iterator<byte[]> answers = ClientCalls.blockingServerStreamingCall(channel, method(ECHO, "ServerStream", MethodType.SERVER_STREAMING),
            options(), bytes("50"));
        List<String> texts = new ArrayList<>();
        answers.forEachRemaining(answer -> texts.add(text(answer)));
        assertThat(texts).hasSize(50).startsWith("m0", "m1").endsWith("m49");
    }

    @Test
    void bidirectionalStreamingCallPassesThrough() throws Exception {
        CompletableFuture<String> done = new CompletableFuture<>();
        List<String> received = new CopyOnWriteArrayList<>();
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
            channel.newCall(method(ECHO, "Bidi", MethodType.BIDI_STREAMING), options()), observer(done, received));
        requests.onNext(bytes("one"));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> received.size() == 1);
        // The first answer arrived before the second request was sent: both directions stream.
        requests.onNext(bytes("two"));
        requests.onCompleted();
        done.get(10, TimeUnit.SECONDS);
        assertThat(received).containsExactly("ONE", "TWO");
    }

    @Test
    void anUpstreamsUnavailableReachesTheClientWithItsMessageAndTrailers() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, method(ECHO, "Unavailable", MethodType.UNARY), options(), bytes("x")))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getStatus().getDescription()).isEqualTo("warming up, 50% done");
                assertThat(e.getTrailers().get(GrpcEchoServer.HINT)).isEqualTo("in 5s");
            });
    }

    @Test
    void theClientsDeadlineReachesTheUpstreamAndExpires() {
        server().hangArrived = new java.util.concurrent.CountDownLatch(1);
        // Connected first: on a loaded machine the channel's first connect alone can take a second.
        unaryCallPassesThrough();
        Iterator<byte[]> answers = ClientCalls.blockingServerStreamingCall(channel, method(ECHO, "Hang", MethodType.SERVER_STREAMING),
            CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS), bytes("x"));
        assertThat(text(answers.next())).isEqualTo("started");
        assertThatThrownBy(answers::next).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        // The upstream got the time left (grpc-timeout), not more.
        assertThat(server().hangDeadlineMillis.get()).isBetween(1L, 2000L);
    }

    @Test
    void theRoutesTimeoutEndsACallWithoutAnAnswerAsDeadlineExceeded() {
        // Silent never answers; its route gives it 300ms, the client 10s.
        long start = System.nanoTime();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, method(ECHO, "Silent", MethodType.UNARY),
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), bytes("x")))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                assertThat(e.getStatus().getDescription()).startsWith("response_timeout");
            });
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
    }

    @Test
    void aCancelledStreamIsCancelledUpstream() throws Exception {
        GrpcEchoServer server = server();
        server.cancelled = new java.util.concurrent.CountDownLatch(1);
        server.hangArrived = new java.util.concurrent.CountDownLatch(1);
        ClientCall<byte[], byte[]> call = channel.newCall(method(ECHO, "Hang", MethodType.SERVER_STREAMING), options());
        CompletableFuture<Status> closed = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, new Metadata());
        call.sendMessage(bytes("x"));
        call.halfClose();
        call.request(1);
        assertThat(server.hangArrived.await(5, TimeUnit.SECONDS)).isTrue();
        call.cancel("the user went away", null);
        assertThat(server.cancelled.await(5, TimeUnit.SECONDS)).as("the upstream saw the cancellation").isTrue();
        assertThat(closed.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
    }

    @Test
    void callsTheGatewayRefusesAreAnsweredAsGrpcStatuses() {
        assertThat(refusal("test.Nowhere", new Metadata())).satisfies(status -> {
            assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.UNIMPLEMENTED);
            assertThat(status.getDescription()).startsWith("route_not_found");
        });
        assertThat(refusal("test.Secured", new Metadata()).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(refusal("test.Down", new Metadata())).satisfies(status -> {
            assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(status.getDescription()).startsWith("connect_refused");
        });
        // The route's one request a minute goes through (and the upstream has no such method), the next is limited.
        assertThat(refusal("test.Limited", new Metadata()).getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(refusal("test.Limited", new Metadata()).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        nexus.awaitMetrics(metrics -> assertThat(metrics)
            .contains("nexus_requests_total{code=\"401\",group=\"\",method=\"POST\",route=\"secured\"} 1.0")
            .contains("nexus_requests_total{code=\"429\",group=\"\",method=\"POST\",route=\"limited\"} 1.0"));
    }

    private Status refusal(String service, Metadata headers) {
        try {
            ClientCalls.blockingUnaryCall(channel.newCall(method(service, "Call", MethodType.UNARY), options()), bytes("x"));
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
        throw new AssertionError("the call succeeded");
    }

    private static StreamObserver<byte[]> observer(CompletableFuture<String> result, List<String> received) {
        return new StreamObserver<>() {
            @Override
            public void onNext(byte[] value) {
                received.add(text(value));
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                result.complete(String.join(",", received));
            }
        };
    }
}
