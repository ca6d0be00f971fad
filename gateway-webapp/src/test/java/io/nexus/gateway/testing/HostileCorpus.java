package io.nexus.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.eclipse.jetty.http.HttpField;

/**
 * A seeded corpus of hostile requests (security issue 13): smuggling framings, spoofed identity,
 * forwarding and override headers (also written with underscores), and path tricks, combined at
 * random on raw sockets. Every case must end as a 4xx with nothing forwarded, or forwarded in the
 * canonical form: a path inside the route, no client-written identity, forwarding or underscore
 * header, and the gateway's own forwarding headers. A failure names the seed and the case, so it
 * replays. The launcher and the WAR run the same corpus against a route {@code /keep} (no prefix
 * stripped) whose upstream is {@code upstream}.
 */
public final class HostileCorpus {

    public static final long SEED = 13;

    private static final String[] PATHS = {
        "/keep/a", "/keep/%2e%2e/admin", "/keep/..%2fadmin", "/keep//a", "/keep/a;x=..", "/keep/%2fadmin", "/keep/a%00b",
        "/keep/./a", "/keep/a/../b", "/keep/../admin", "/keep/%252e%252e/a", "/keep/a\\b", "/keep/caf%C3%A9", "/keep/%c0%ae%c0%ae/a",
        "/KEEP/a", "/keep?x=1&y=%zz", "/keep/a?q=<script>",
    };
    private static final String[] HEADERS = {
        "X-Auth-Subject: admin", "X_Auth_Subject: admin", "x-auth-provider: forged", "X-Auth_Key-Id: ops",
        "X-Forwarded-For: 10.0.0.1", "X_Forwarded_For: 10.0.0.1", "Forwarded: for=10.0.0.1;host=internal", "X-Real-IP: 10.0.0.1",
        "X-Original-URL: /admin", "X-Rewrite-URL: /admin", "X-HTTP-Method-Override: DELETE", "X-Forwarded-Prefix: /internal",
        "X-Forwarded-Host: internal", "X-Forwarded-Client-Cert: Hash=forged", "X_Custom: 1", "X-Request-Id: ../../etc/passwd",
        "Transfer-Encoding: chunked", "Content-Length: 5", "Content-Length: -1", "Transfer-Encoding: identity", "Transfer-Encoding : chunked",
        "Connection: X-Auth-Subject", "Expect: 100-continue", "Host: evil.example",
    };
    private static final List<String> STRIPPED = List.of("x-real-ip", "x-original-url", "x-rewrite-url", "x-http-method-override");

    private HostileCorpus() {
    }

    /** Sends {@code cases} requests generated from {@link #SEED} to {@code port}; returns how many were refused. */
    public static int run(int port, RecordingUpstream upstream, int cases) throws Exception {
        Random random = new Random(SEED);
        int refused = 0;
        for (int i = 0; i < cases; i++) {
            String path = PATHS[random.nextInt(PATHS.length)];
            List<String> headers = new ArrayList<>();
            int count = 1 + random.nextInt(4);
            for (int h = 0; h < count; h++) {
                headers.add(HEADERS[random.nextInt(HEADERS.length)]);
            }
            String method = random.nextInt(4) == 0 ? "POST" : "GET";
            String text = request(method, path, headers);
            String name = "case " + i + " (seed " + SEED + "):\n" + text;

            upstream.clear();
            String response = RawHttp.exchange(port, text);
            // An interim 100 Continue comes before the final answer.
            while (response.startsWith("HTTP/1.1 100 ") && response.indexOf("\r\n\r\n") > 0) {
                response = response.substring(response.indexOf("\r\n\r\n") + 4);
            }
            assertThat(response).as(name).startsWith("HTTP/1.1 ");
            int status = Integer.parseInt(response.substring(9, 12));
            if (status >= 400 && status < 500) {
                assertThat(upstream.pending()).as(name + "\nrefused with " + status + ": nothing forwarded").isZero();
                refused++;
                continue;
            }
            assertThat(status).as(name + "\n" + response).isEqualTo(200);
            assertCanonical(name, method, upstream.takeRequest());
        }
        return refused;
    }

    private static String request(String method, String path, List<String> headers) {
        StringBuilder request = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        if (headers.stream().noneMatch(h -> h.startsWith("Host:"))) {
            request.append("Host: shop.example.com\r\n");
        }
        headers.forEach(h -> request.append(h).append("\r\n"));
        request.append("Connection: close\r\n\r\n");
        if (headers.stream().anyMatch(h -> h.startsWith("Content-Length: 5"))) {
            request.append("hello");
        } else if (headers.stream().anyMatch(h -> h.startsWith("Transfer-Encoding: chunked"))) {
            request.append("5\r\nhello\r\n0\r\n\r\n");
        }
        return request.toString();
    }

    private static void assertCanonical(String name, String method, RecordingUpstream.Recorded seen) {
        assertThat(seen.path()).as(name).startsWith("/keep").doesNotContain("..", "//", "%2f", "%2F", "\\", ";");
        for (HttpField field : seen.headers()) {
            String lower = field.getName().toLowerCase(Locale.ROOT);
            assertThat(lower).as(name + "\nforwarded header " + field).doesNotContain("_").doesNotStartWith("x-auth-").isNotIn(STRIPPED);
        }
        assertThat(seen.header("X-Forwarded-For")).as(name).isEqualTo("127.0.0.1");
        assertThat(seen.header("X-Forwarded-Client-Cert")).as(name).isNull();
        assertThat(seen.header("X-Forwarded-Prefix")).as(name).isNull();
        assertThat(seen.headers().getValuesList("Forwarded")).as(name).singleElement()
            .satisfies(forwarded -> assertThat(forwarded).startsWith("for=127.0.0.1;"));
        assertThat(seen.method()).as(name).isEqualTo(method);
    }
}
