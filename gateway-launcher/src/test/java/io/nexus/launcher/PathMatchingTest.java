package io.nexus.launcher;

import io.nexus.gateway.testing.RawHttp;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.nexus.gateway.testing.RecordingUpstream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, finding 10: {@code /admin/} and {@code /ADMIN} skipped an exact {@code /admin} route
 * with auth and landed on a public {@code /} route.
 */
class PathMatchingTest {

    private static final String KEY = "admin-key-0123456789";

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config(() -> """
            nexus {
              upstreams { up { targets = [${upstreams.up}] } }
              auth { admins { type = api-key, keys = [{ id = "ops", sha256 = "%s" }] } }
              routes = [
                { name = "lenient", path = "/admin", match = exact, upstream = "up", auth = "admins",
                  case-insensitive = true, trailing-slash-equivalent = true }
                { name = "api", path = "/Api", upstream = "up", case-insensitive = true, strip-prefix = true }
                { name = "public", path = "/", upstream = "up" }
              ]
            }
            """.formatted(sha256(KEY)))
        .build();

    RecordingUpstream upstream;

    @BeforeEach
    void forgetEarlierRequests() {
        upstream = nexus.upstream("up");
        upstream.clear();
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static int status(String target) throws Exception {
        String response = RawHttp.exchange(nexus.gateway().publicPort(), "GET " + target + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        return Integer.parseInt(response.substring("HTTP/1.1 ".length(), "HTTP/1.1 ".length() + 3));
    }

    @Test
    void aLenientExactRouteTakesItsCaseAndTrailingSlashVariants() throws Exception {
        for (String variant : new String[] {"/admin", "/admin/", "/ADMIN", "/Admin/"}) {
            assertThat(status(variant)).as(variant).isEqualTo(401);
        }
        assertThat(upstream.pending()).isZero();
        // Only those: below the path is the public route's.
        assertThat(status("/admin/x")).isEqualTo(200);
        assertThat(upstream.takeRequest().path()).isEqualTo("/admin/x");
    }

    @Test
    void aCaseInsensitivePrefixRouteMatchesAnyCaseAndStripsWhatMatched() throws Exception {
        assertThat(status("/API/users")).isEqualTo(200);
        assertThat(upstream.takeRequest().path()).isEqualTo("/users");
        assertThat(status("/api")).isEqualTo(200);
        assertThat(upstream.takeRequest().path()).isEqualTo("/");
        assertThat(status("/apix")).isEqualTo(200);
        assertThat(upstream.takeRequest().path()).as("no segment boundary: the public route").isEqualTo("/apix");
    }

    @Test
    void anExactRouteWithAuthShadowedByAPublicPrefixRouteIsWarnedAbout() throws Exception {
        try (CapturedLog log = new CapturedLog("io.nexus.gateway.routing.RouteTable")) {
            nexus.startGateway("""
                nexus {
                  upstreams { up { targets = [${upstreams.up}] } }
                  auth { admins { type = api-key, keys = [{ id = "ops", sha256 = "%s" }] } }
                  routes = [
                    { name = "admin", path = "/admin", match = exact, upstream = "up", auth = "admins" }
                    { name = "half", path = "/half", match = exact, upstream = "up", auth = "admins", trailing-slash-equivalent = true }
                    { name = "safe", path = "/safe", match = exact, upstream = "up", auth = "admins",
                      case-insensitive = true, trailing-slash-equivalent = true }
                    { name = "public", path = "/", upstream = "up" }
                  ]
                }
                """.formatted(sha256(KEY)));
            assertThat(log.events).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "route \"admin\" (exact /admin, with auth) does not match /admin/ or /ADMIN: those reach route \"public\" (prefix /, "
                    + "without auth). Set trailing-slash-equivalent and case-insensitive on \"admin\", or make it a prefix route",
                "route \"half\" (exact /half, with auth) does not match /HALF: those reach route \"public\" (prefix /, "
                    + "without auth). Set trailing-slash-equivalent and case-insensitive on \"half\", or make it a prefix route");
        }
    }
}
