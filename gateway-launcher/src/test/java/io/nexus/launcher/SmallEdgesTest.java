package io.nexus.launcher;

import io.nexus.gateway.testing.RawHttp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nexus.gateway.config.InvalidConfigException;
import io.nexus.gateway.testing.RecordingUpstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 13, finding 12: the small edges. */
class SmallEdgesTest {

    private static final String TOKEN = "small-edges-token-0123456789";

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config("""
            nexus {
              admin { token = "%s" }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [
                { name = "slow-fault", path = "/slow-fault", upstream = "up", request-timeout = 1s,
                  fault { delay = 700ms, delay-percent = 100 } }
                { name = "long-fault", path = "/long-fault", upstream = "up", request-timeout = 1s,
                  fault { delay = 20s, delay-percent = 100 } }
                { name = "hosts", path = "/hosts", upstream = "up", forwarded-hosts = ["shop.example.com", "*.example.org"] }
              ]
            }
            """.formatted(TOKEN))
        .build();

    RecordingUpstream upstream;

    @BeforeEach
    void forgetEarlierRequests() {
        upstream = nexus.upstream("up");
        upstream.clear();
    }

    @Test
    void aFaultDelaySpendsTheRequestTimeoutToo() throws Exception {
        // 700 ms of fault delay, then an upstream that takes 600 ms: past the route's 1 s.
        long started = System.nanoTime();
        ContentResponse response = TestGateway.send(nexus.request("/slow-fault/x").headers(h -> h.put(RecordingUpstream.DELAY_HEADER, "600")));
        assertThat(response.getStatus()).isEqualTo(504);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1250));
    }

    @Test
    void aFaultDelayLongerThanTheRequestTimeoutEndsAtTheTimeout() throws Exception {
        long started = System.nanoTime();
        ContentResponse response = nexus.get("/long-fault/x");
        assertThat(response.getStatus()).isEqualTo(504);
        assertThat(response.getContentAsString()).contains("gateway_timeout").contains("fault delay of 20000 ms passed the request timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        assertThat(upstream.pending()).isZero();
    }

    @Test
    void aFaultDelayIsAtMostFiveMinutes() {
        assertThatThrownBy(() -> nexus.startGateway("""
            nexus {
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [{ name = "f", path = "/f", upstream = "up", fault { delay = 6m, delay-percent = 1 } }]
            }
            """)).isInstanceOf(InvalidConfigException.class).hasMessageContaining("routes[0].fault.delay: must be at most 5m, was 360s");
    }

    @Test
    void onlyAllowedHostsGoUpstreamAsForwardedHost() throws Exception {
        String port = ":" + nexus.gateway().publicPort();
        for (String allowed : List.of("shop.example.com", "SHOP.example.com" + port, "a.example.org")) {
            RawHttp.exchange(nexus.gateway().publicPort(), "GET /hosts/x HTTP/1.1\r\nHost: " + allowed + "\r\nConnection: close\r\n\r\n");
            RecordingUpstream.Recorded seen = upstream.takeRequest();
            assertThat(seen.header("X-Forwarded-Host")).as(allowed).isEqualTo(allowed);
            assertThat(seen.header("Forwarded")).as(allowed).contains("host=");
        }
        for (String other : List.of("evil.example", "example.org", "shop.example.com.evil.example")) {
            RawHttp.exchange(nexus.gateway().publicPort(), "GET /hosts/x HTTP/1.1\r\nHost: " + other + "\r\nConnection: close\r\n\r\n");
            RecordingUpstream.Recorded seen = upstream.takeRequest();
            assertThat(seen.header("X-Forwarded-Host")).as(other).isNull();
            assertThat(seen.header("Forwarded")).as(other).doesNotContain("host=");
        }
    }

    @Test
    void theAdminApiRedactsJwksUrls() throws Exception {
        String secretUrl = "https://127.0.0.1:1/jwks?api_key=very-secret-key";
        TestGateway gateway = nexus.startGateway("""
            nexus {
              admin { token = "%s" }
              upstreams { up { targets = [${upstreams.up}] } }
              auth { users { type = jwt, algorithms = [RS256], jwks-url = "%s", issuer = "i", audience = "a" } }
              routes = [{ name = "users", path = "/users", upstream = "up", auth = "users" }]
            }
            """.formatted(TOKEN, secretUrl));
        ContentResponse config = TestGateway.send(gateway.adminRequest("/api/v1/config").headers(h -> h.put("Authorization", "Bearer " + TOKEN)));
        assertThat(config.getStatus()).isEqualTo(200);
        assertThat(config.getContentAsString()).doesNotContain("very-secret-key").contains("jwks-url");
    }

    /** The runbook and the drill put no token on a command line, where `ps` shows it to every local user. */
    @Test
    void noTokenOnACommandLineInTheRunbookOrTheDrill() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Pattern bearerArgument = Pattern.compile("-H\\s+[\"']Authorization: Bearer \\$");
        try (Stream<Path> runbook = Files.list(root.resolve("docs/runbook"))) {
            List<Path> files = Stream.concat(runbook, Stream.of(root.resolve("scripts/rollback-drill.sh"))).toList();
            for (Path file : files) {
                assertThat(Files.readString(file, StandardCharsets.UTF_8)).as(file.toString()).doesNotContainPattern(bearerArgument);
            }
        }
        String drill = Files.readString(root.resolve("scripts/rollback-drill.sh"), StandardCharsets.UTF_8);
        assertThat(drill).as("a random drill token").contains("TOKEN=$(od -An -N24 -tx1 /dev/urandom").doesNotContain("drill-token-$(date");
    }
}
