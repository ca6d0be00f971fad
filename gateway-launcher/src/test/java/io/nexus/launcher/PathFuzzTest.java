package io.nexus.launcher;

import io.nexus.gateway.testing.RawHttp;
import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A seeded randomized test of the path handling (jqwik is not used, see docs/security.md): request
 * targets built from dot segments, encoded dots and slashes, backslashes, path parameters and
 * empty segments, sent raw. Whatever the target, a request reaches the route's upstream only at
 * a path inside the route's prefix, and the gateway never answers 5xx for it.
 */
class PathFuzzTest {

    private static final long SEED = 0x5EC0_4E55L;
    private static final int REQUESTS = 400;
    private static final String[] PIECES = {"keep", "keep", "a", "..", ".", "", "%2e%2e", "%2E.", ".%2e", "%2e", "%2f", "%2F", "%5c",
        "\\", "..\\", ";p=1", "..;", "%252e%252e", "%00", "%25", "b%20c", "caf%C3%A9", "%c0%ae", "secret", "~", "%7e", "?q=/..", "#f"};

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config("""
            nexus {
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [ { name = "keep", path = "/keep", upstream = "up" } ]
            }
            """)
        .build();

    private static RecordingUpstream upstream() {
        return nexus.upstream("up");
    }

    @Test
    void noTargetReachesTheUpstreamOutsideTheRoutePrefix() throws Exception {
        Random random = new Random(SEED);
        for (int i = 0; i < REQUESTS; i++) {
            StringBuilder target = new StringBuilder();
            int segments = 1 + random.nextInt(6);
            for (int s = 0; s < segments; s++) {
                target.append('/').append(PIECES[random.nextInt(PIECES.length)]);
            }
            String response = RawHttp.exchange(nexus.gateway().publicPort(), "GET " + target + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            assertThat(response).as("target %s (request %d, seed %x)", target, i, SEED).matches("(?s)HTTP/1\\.1 [234]\\d\\d .*");
            while (upstream().pending() > 0) {
                String path = upstream().takeRequest().path();
                assertThat(path).as("upstream path for target %s", target).satisfiesAnyOf(
                    p -> assertThat(p).isEqualTo("/keep"),
                    p -> assertThat(p).startsWith("/keep/"));
                assertThat(path).doesNotContain("/../", "/./", "//").doesNotEndWith("/..");
            }
        }
        assertThat(upstream().requestCount()).as("some targets are served").isPositive();
    }
}
