package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.nexus.gateway.config.InvalidConfigException;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 13, finding 9: the JWT settings that made weak providers easy to write. */
class JwtDefaultsTest {

    private static final String SECRET = "hmac-secret-0123456789abcdef-0123456789";
    private static final CountDownLatch endless = new CountDownLatch(1);
    private static final AtomicLong written = new AtomicLong();
    private static final AtomicInteger fetches = new AtomicInteger();

    /** A JWKS endpoint whose document never ends: 8 MiB, then nothing until the class is done. */
    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .upstream("jwks", new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, Response response, Callback callback) {
                fetches.incrementAndGet();
                response.setStatus(200);
                response.getHeaders().put("Content-Type", "application/json");
                try (OutputStream out = Content.Sink.asOutputStream(response)) {
                    out.write("{\"keys\":[\"".getBytes());
                    byte[] chunk = new byte[64 * 1024];
                    java.util.Arrays.fill(chunk, (byte) 'a');
                    for (int i = 0; i < 128; i++) {
                        out.write(chunk);
                        out.flush();
                        written.addAndGet(chunk.length);
                    }
                    endless.await(30, TimeUnit.SECONDS);
                    callback.succeeded();
                } catch (IOException | InterruptedException e) {
                    callback.failed(e);
                }
                return true;
            }
        })
        .config("""
            nexus {
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [{ name = "open", path = "/open", upstream = "up" }]
            }
            """)
        .build();

    @AfterAll
    static void endTheEndlessDocument() {
        endless.countDown();
    }

    @Test
    void anHttpJwksUrlIsRefusedUnlessAllowed() {
        int before = fetches.get();
        assertThatThrownBy(() -> nexus.startGateway("""
            nexus {
              upstreams { up { targets = [${upstreams.up}] } }
              auth { users { type = jwt, algorithms = [RS256], jwks-url = ${upstreams.jwks}"/jwks", issuer = "i", audience = "a" } }
              routes = [{ name = "users", path = "/users", upstream = "up", auth = "users" }]
            }
            """))
            .isInstanceOf(InvalidConfigException.class)
            .hasMessageContaining("auth.users.jwks-url: an http:// JWKS URL lets anyone on the path swap the keys: use https://, "
                + "or set allow-insecure-jwks = true (test.conf:");
        assertThat(fetches.get()).isEqualTo(before);
    }

    @Test
    void clockSkewIsAtMostFiveMinutes() {
        assertThatThrownBy(() -> nexus.startGateway("""
            nexus {
              upstreams { up { targets = [${upstreams.up}] } }
              auth { users { type = jwt, algorithms = [HS256], hmac-secret = "%s", issuer = "i", clock-skew = 6m } }
              routes = [{ name = "users", path = "/users", upstream = "up", auth = "users" }]
            }
            """.formatted(SECRET)))
            .isInstanceOf(InvalidConfigException.class)
            .hasMessageContaining("auth.users.clock-skew: must be at most 5m, was 360s (test.conf:");
    }

    @Test
    void aProviderWithNeitherIssuerNorAudienceIsWarnedAbout() throws Exception {
        try (CapturedLog log = new CapturedLog("io.nexus.gateway.auth.JwtAuthenticator")) {
            nexus.startGateway("""
                nexus {
                  upstreams { up { targets = [${upstreams.up}] } }
                  auth {
                    anyone { type = jwt, algorithms = [HS256], hmac-secret = "%s" }
                    scoped { type = jwt, algorithms = [HS256], hmac-secret = "%s", audience = "nexus" }
                  }
                  routes = [
                    { name = "anyone", path = "/anyone", upstream = "up", auth = "anyone" }
                    { name = "scoped", path = "/scoped", upstream = "up", auth = "scoped" }
                  ]
                }
                """.formatted(SECRET, SECRET));
            assertThat(log.events).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(message -> assertThat(message).startsWith("auth anyone: neither issuer nor audience is set"))
                .noneSatisfy(message -> assertThat(message).startsWith("auth scoped:"));
        }
    }

    @Test
    void aJwksDocumentIsCutOffAtTheLimitWhileItIsRead() throws Exception {
        try (CapturedLog log = new CapturedLog("io.nexus.gateway.auth.JwtAuthenticator")) {
            long started = System.nanoTime();
            // The first fetch runs before the gateway takes traffic: start-up waits for it.
            nexus.startGateway("""
                nexus {
                  upstreams { up { targets = [${upstreams.up}] } }
                  auth { users { type = jwt, algorithms = [RS256], jwks-url = ${upstreams.jwks}"/jwks", allow-insecure-jwks = true,
                                 jwks-refresh = 1h, issuer = "i", audience = "a" } }
                  routes = [{ name = "users", path = "/users", upstream = "up", auth = "users" }]
                }
                """);
            // Well before the 5 s fetch timeout, which is where an unbounded read would end.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
            assertThat(log.events).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(message -> assertThat(message).contains("could not be fetched").contains("document over 1048576 bytes"));
        }
    }
}
