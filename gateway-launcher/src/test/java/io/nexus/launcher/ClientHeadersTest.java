package io.nexus.launcher;

import io.nexus.gateway.testing.RawHttp;
import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.RecordingUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the upstream receives of the headers a client wrote about identity, forwarding and
 * overrides (issue 13, findings 2 and 3), sent on raw sockets exactly as written.
 */
class ClientHeadersTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config("""
            nexus {
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [
                { name = "strict", path = "/strict", upstream = "up" }
                { name = "underscores", path = "/underscores", upstream = "up", forward-underscore-headers = true }
                { name = "behind-proxy", path = "/behind-proxy", upstream = "up", trusted-proxies = ["127.0.0.0/8"] }
                { name = "opted-in", path = "/opted-in", upstream = "up", trust-forwarding-headers = true }
              ]
            }
            """)
        .build();

    /** Every forwarding and override header a client could write. */
    private static final String FORGED = """
        Forwarded: for=10.0.0.1;host=internal;proto=https\r
        X-Forwarded-For: 10.0.0.1\r
        X-Real-IP: 10.0.0.1\r
        X-Forwarded-Port: 443\r
        X-Forwarded-Prefix: /internal\r
        X-Forwarded-Server: internal\r
        X-Forwarded-Ssl: on\r
        X-Original-URL: /admin\r
        X-Rewrite-URL: /admin\r
        X-HTTP-Method-Override: DELETE\r
        """;
    private static final String[] OVERRIDES = {"X-Real-IP", "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Forwarded-Server",
        "X-Forwarded-Ssl", "X-Original-URL", "X-Rewrite-URL", "X-HTTP-Method-Override"};

    RecordingUpstream upstream;

    @BeforeEach
    void forgetEarlierRequests() {
        upstream = nexus.upstream("up");
        upstream.clear();
    }

    private RecordingUpstream.Recorded send(String path, String headers) throws Exception {
        String response = RawHttp.exchange(nexus.gateway().publicPort(),
            "GET " + path + " HTTP/1.1\r\nHost: shop.example.com\r\n" + headers + "Connection: close\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200 ");
        return upstream.takeRequest();
    }

    @Test
    void identityHeadersWrittenWithUnderscoresNeverReachTheUpstream() throws Exception {
        for (String route : new String[] {"/strict/x", "/underscores/x"}) {
            RecordingUpstream.Recorded seen = send(route,
                "X_Auth_Subject: admin\r\nx_auth_provider: admin\r\nX_Forwarded_For: 10.0.0.1\r\nX_Real_IP: 10.0.0.1\r\nX_Request_Id: forged\r\n");
            assertThat(seen.headers().stream().map(f -> f.getName().toLowerCase().replace('_', '-')))
                .as(route).noneMatch(name -> name.startsWith("x-auth-")).doesNotContain("x-real-ip");
            assertThat(seen.header("X-Forwarded-For")).as(route).isEqualTo("127.0.0.1");
            assertThat(seen.headers().getFieldNamesCollection()).as(route).noneMatch(name -> name.contains("_"));
        }
    }

    @Test
    void headerNamesWithUnderscoresAreDroppedUnlessTheRouteForwardsThem() throws Exception {
        RecordingUpstream.Recorded strict = send("/strict/x", "X_Custom: 1\r\nX-Custom-Ok: 2\r\n");
        assertThat(strict.header("X_Custom")).isNull();
        assertThat(strict.header("X-Custom-Ok")).isEqualTo("2");

        RecordingUpstream.Recorded forwarded = send("/underscores/x", "X_Custom: 1\r\n");
        assertThat(forwarded.header("X_Custom")).isEqualTo("1");
    }

    @Test
    void forwardingAndOverrideHeadersOfAClientAreReplacedByTheGateways() throws Exception {
        RecordingUpstream.Recorded seen = send("/strict/x", FORGED);
        for (String name : OVERRIDES) {
            assertThat(seen.header(name)).as(name).isNull();
        }
        assertThat(seen.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(seen.header("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(seen.header("X-Forwarded-Host")).isEqualTo("shop.example.com");
        assertThat(seen.headers().getValuesList("Forwarded")).containsExactly("for=127.0.0.1;host=shop.example.com;proto=http");
        assertThat(seen.method()).isEqualTo("GET");
    }

    @Test
    void aTrustedProxysHeadersAreKeptAndTheGatewaysHopAppended() throws Exception {
        RecordingUpstream.Recorded seen = send("/behind-proxy/x", FORGED);
        for (String name : OVERRIDES) {
            assertThat(seen.header(name)).as(name).isNotNull();
        }
        assertThat(seen.header("X-Forwarded-For")).isEqualTo("10.0.0.1, 127.0.0.1");
        assertThat(seen.header("Forwarded"))
            .isEqualTo("for=10.0.0.1;host=internal;proto=https, for=127.0.0.1;host=shop.example.com;proto=http");

        // Without a Forwarded of its own, the proxy's X-Forwarded-For becomes the earlier hops.
        RecordingUpstream.Recorded xffOnly = send("/behind-proxy/x", "X-Forwarded-For: 203.0.113.9, 2001:db8::1\r\n");
        assertThat(xffOnly.header("X-Forwarded-For")).isEqualTo("203.0.113.9, 2001:db8::1, 127.0.0.1");
        assertThat(xffOnly.header("Forwarded"))
            .isEqualTo("for=203.0.113.9, for=\"[2001:db8::1]\", for=127.0.0.1;host=shop.example.com;proto=http");
    }

    @Test
    void aRouteMayTrustEveryClientsForwardingHeaders() throws Exception {
        RecordingUpstream.Recorded seen = send("/opted-in/x", FORGED);
        assertThat(seen.header("X-Original-URL")).isEqualTo("/admin");
        assertThat(seen.header("X-Real-IP")).isEqualTo("10.0.0.1");
        assertThat(seen.header("X-Forwarded-For")).isEqualTo("10.0.0.1, 127.0.0.1");
    }
}
