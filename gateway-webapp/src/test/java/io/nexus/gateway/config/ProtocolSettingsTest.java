package io.nexus.gateway.config;

import static io.nexus.gateway.config.ConfigLoaderTest.parse;
import static io.nexus.gateway.config.ConfigLoaderTest.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keys of docs/protocols.md: an upstream's {@code protocol} and {@code tls}, and {@code server.http2-cleartext}. */
class ProtocolSettingsTest {

    @Test
    void defaultsAreHttp1WithTheJdksTrustAndH2cOnThePublicPort() throws Exception {
        GatewayConfig config = parse("nexus { upstreams { a { targets = [\"https://a.internal\"] } } }");
        UpstreamSettings upstream = config.upstreams().get("a");
        assertThat(upstream.protocol()).isEqualTo(UpstreamProtocol.HTTP1);
        assertThat(upstream.tls()).isEqualTo(new UpstreamTlsSettings(Optional.empty(), Optional.empty(), Optional.empty(), true, Duration.ofSeconds(10)));
        assertThat(config.startup().server().connections().http2Cleartext()).isTrue();
    }

    @Test
    void protocolAndTlsAreRead(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        Path cert = Files.writeString(dir.resolve("c.pem"), "x");
        Path key = Files.writeString(dir.resolve("k.pem"), "x");
        GatewayConfig config = parse("""
            nexus {
              server.http2-cleartext = false
              upstreams { a { targets = ["https://a.internal"], protocol = h2
                tls { ca-file = "%s", certificate = "%s", private-key = "%s", verify-hostname = false, reload-interval = 1s } } }
            }
            """.formatted(ca, cert, key));
        UpstreamSettings upstream = config.upstreams().get("a");
        assertThat(upstream.protocol()).isEqualTo(UpstreamProtocol.H2);
        assertThat(upstream.tls()).isEqualTo(new UpstreamTlsSettings(Optional.of(ca), Optional.of(cert), Optional.of(key), false, Duration.ofSeconds(1)));
        assertThat(config.startup().server().connections().http2Cleartext()).isFalse();
    }

    @Test
    void badProtocolsAreNamedWithFileLineAndKey() {
        assertThat(problems("""
            nexus {
              upstreams {
                a { targets = ["http://a.internal"], protocol = http3 }
                b { targets = ["http://b.internal"], protocol = h2 }
                c { targets = ["https://c.internal"], protocol = h2c }
              }
              server.http2-cleartext = sometimes
            }
            """)).containsExactlyInAnyOrder(
            "upstreams.a.protocol: unknown protocol \"http3\" (http1, h2c, h2, auto) (gateway.conf:3)",
            "upstreams.b.protocol: h2 needs https targets, not http://b.internal (gateway.conf:4)",
            "upstreams.c.protocol: h2c needs http targets, not https://c.internal (gateway.conf:5)",
            "server.http2-cleartext: http2-cleartext has type STRING rather than BOOLEAN (gateway.conf:7)");
    }

    @Test
    void badTlsFilesAreNamedWithFileLineAndKey(@TempDir Path dir) throws Exception {
        Path cert = Files.writeString(dir.resolve("c.pem"), "x");
        List<String> problems = problems("""
            nexus {
              upstreams {
                a { targets = ["https://a.internal"], tls.ca-file = "%s" }
                b { targets = ["https://b.internal"], tls.certificate = "%s" }
                c { targets = ["https://c.internal"], tls.reload-interval = soon }
              }
            }
            """.formatted(dir.resolve("missing.pem"), cert));
        assertThat(problems).containsExactlyInAnyOrder(
            "upstreams.a.tls.ca-file: file not found or not readable: " + dir.resolve("missing.pem") + " (gateway.conf:3)",
            "upstreams.b.tls.certificate: a client certificate needs both certificate and private-key (gateway.conf:4)",
            "upstreams.c.tls.reload-interval: " + durationProblem(problems) + " (gateway.conf:5)");
    }

    /** The wording of a bad duration is Section's; this test only cares that it is named where it is. */
    private static String durationProblem(List<String> problems) {
        return problems.stream().filter(p -> p.startsWith("upstreams.c.tls.reload-interval: ")).findFirst()
            .map(p -> p.substring("upstreams.c.tls.reload-interval: ".length(), p.lastIndexOf(" (gateway.conf"))).orElse("?");
    }
}
