package io.nexus.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The keys of "TLS at the edge": profiles, client authentication, HSTS, stapling, client-cert providers, upstream banners. */
class TlsEdgeConfigTest {

    private static final String UPSTREAM = "upstreams { up { targets = [\"http://127.0.0.1:9000\"] } }\n";

    private static GatewayConfig parse(String nexus) throws InvalidConfigException {
        return ConfigLoader.parse("nexus {\n" + UPSTREAM + nexus + "\n}", "gateway.conf", Map.of());
    }

    private static List<String> problems(String nexus) {
        try {
            parse(nexus);
            return List.of();
        } catch (InvalidConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
    }

    @Test
    void defaultsAreTheIntermediateProfileWithoutClientAuthOrHsts() throws Exception {
        TlsSettings tls = parse("").startup().server().tls();
        assertThat(tls.profile()).isEqualTo(TlsSettings.Profile.INTERMEDIATE);
        assertThat(tls.protocols()).isEmpty();
        assertThat(tls.cipherSuites()).isEmpty();
        assertThat(tls.clientAuth()).isEqualTo(TlsSettings.ClientAuth.NONE);
        assertThat(tls.hsts().headerValue()).isNull();
        assertThat(tls.ocspStapling()).isFalse();
        assertThat(parse("routes = [{ name = \"r\", path = \"/r\", upstream = \"up\" }]").routes().get(0).keepUpstreamServerHeader()).isFalse();
    }

    @Test
    void theKeysAreRead() throws Exception {
        GatewayConfig config = parse("""
            server.tls {
              profile = modern, cipher-suites = [TLS_AES_256_GCM_SHA384], ocsp-stapling = true
              client-auth { mode = required, ca-file = "/etc/nexus/clients.pem", crl-file = "/etc/nexus/clients.crl" }
              hsts { max-age = 365d, include-subdomains = true, preload = true }
            }
            auth { partners { type = client-cert, subjects = ["CN=billing,O=Example"], sans = ["spiffe://example.org/billing"] } }
            routes = [{ name = "r", path = "/r", upstream = "up", auth = partners, keep-upstream-server-header = true }]
            """);
        TlsSettings tls = config.startup().server().tls();
        assertThat(tls.profile()).isEqualTo(TlsSettings.Profile.MODERN);
        assertThat(tls.cipherSuites()).containsExactly("TLS_AES_256_GCM_SHA384");
        assertThat(tls.ocspStapling()).isTrue();
        assertThat(tls.clientAuth()).isEqualTo(new TlsSettings.ClientAuth(TlsSettings.ClientAuth.Mode.REQUIRED,
            Optional.of(Path.of("/etc/nexus/clients.pem")), Optional.of(Path.of("/etc/nexus/clients.crl"))));
        assertThat(tls.hsts()).isEqualTo(new TlsSettings.Hsts(Duration.ofDays(365), true, true));
        assertThat(tls.hsts().headerValue()).isEqualTo("max-age=31536000; includeSubDomains; preload");
        RouteSettings route = config.routes().get(0);
        assertThat(route.keepUpstreamServerHeader()).isTrue();
        assertThat(route.auth()).contains(new AuthSettings.ClientCert("partners", List.of("CN=billing,O=Example"), List.of("spiffe://example.org/billing")));
    }

    @Test
    void badValuesNameFileLineAndKey() {
        assertThat(problems("""
            server.tls { profile = old, cipher-suites = [ECDHE-RSA-AES128-GCM-SHA256] }
            server.tls.client-auth { mode = sometimes }
            server.tls.hsts { max-age = 1d, preload = true }
            """)).containsExactlyInAnyOrder(
            "server.tls.profile: must be intermediate or modern, was \"old\" (gateway.conf:3)",
            "server.tls.cipher-suites: \"ECDHE-RSA-AES128-GCM-SHA256\" is not a JSSE cipher suite name (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,"
                + " TLS_AES_128_GCM_SHA256, ...) (gateway.conf:3)",
            "server.tls.client-auth.mode: must be none, optional or required, was \"sometimes\" (gateway.conf:4)",
            "server.tls.hsts.preload: preload needs max-age of at least 365d and include-subdomains = true (gateway.conf:5)");
    }

    @Test
    void clientAuthNeedsAReadableCaFile() {
        assertThat(problems("server.tls.client-auth { mode = optional }"))
            .containsExactly("server.tls.client-auth.ca-file: client-auth mode optional needs the CA file that client certificates must chain to (gateway.conf:3)");
        assertThat(problems("server.tls { enabled = true, certificates = [{ name = x, keystore = \"/nonexistent.p12\" }]"
            + ", client-auth { mode = required, ca-file = \"/nonexistent-ca.pem\" } }"))
            .contains("server.tls.client-auth.ca-file: file not found or not readable: /nonexistent-ca.pem (gateway.conf:3)");
    }

    @Test
    void aCertificateCarriesItsOwnClientAuth() throws Exception {
        TlsSettings tls = parse("""
            server.tls {
              client-auth { mode = optional, ca-file = "/etc/nexus/staff.pem" }
              certificates = [
                { name = www, keystore = "/etc/nexus/www.p12" }
                { name = partners, keystore = "/etc/nexus/partners.p12", client-auth { mode = required, ca-file = "/etc/nexus/partners.pem" } }
                { name = open, keystore = "/etc/nexus/open.p12", client-auth {} }
              ]
            }
            """).startup().server().tls();
        assertThat(tls.certificates()).extracting(tls::clientAuth).containsExactly(
            new TlsSettings.ClientAuth(TlsSettings.ClientAuth.Mode.OPTIONAL, Optional.of(Path.of("/etc/nexus/staff.pem")), Optional.empty()),
            new TlsSettings.ClientAuth(TlsSettings.ClientAuth.Mode.REQUIRED, Optional.of(Path.of("/etc/nexus/partners.pem")), Optional.empty()),
            // A block of its own replaces the port's whole: what it leaves out is the reference default, not the port's.
            TlsSettings.ClientAuth.NONE);
        assertThat(tls.certificates().get(0).clientAuth()).isEmpty();
    }

    @Test
    void aCertificatesClientAuthIsValidatedLikeThePorts() {
        assertThat(problems("""
            server.tls.certificates = [
              { name = a, keystore = "/a.p12", client-auth { mode = always, ca-file = "/ca.pem" } }
              { name = b, keystore = "/b.p12", client-auth { mode = required } }
              { name = c, keystore = "/c.p12", client-auth { mode = none, crl = "/c.crl" } }
              { name = d, keystore = "/d.p12", client-auth = required }
            ]
            """)).containsExactlyInAnyOrder(
            "server.tls.certificates[0].client-auth.mode: must be none, optional or required, was \"always\" (gateway.conf:4)",
            "server.tls.certificates[1].client-auth.ca-file: client-auth mode required needs the CA file that client certificates must chain to"
                + " (gateway.conf:5)",
            "server.tls.certificates[2].client-auth.crl: unknown key (gateway.conf:6)",
            "server.tls.certificates[3].client-auth: must be an object, was string (gateway.conf:7)");
        assertThat(problems("server.tls { enabled = true, certificates = [{ name = x, keystore = \"/nonexistent.p12\""
            + ", client-auth { mode = optional, ca-file = \"/nonexistent-ca.pem\" } }] }"))
            .contains("server.tls.certificates[0].client-auth.ca-file: file not found or not readable: /nonexistent-ca.pem (gateway.conf:3)");
    }

    @Test
    void aClientCertProviderNeedsDistinguishedNamesAndTheRouteKeyABoolean() {
        assertThat(problems("""
            auth { partners { type = client-cert, subjects = ["billing"], sans = [""] } }
            routes = [{ name = "r", path = "/r", upstream = "up", keep-upstream-server-header = maybe }]
            """)).satisfiesExactlyInAnyOrder(
                problem -> assertThat(problem).startsWith("auth.partners.subjects: \"billing\" is not a distinguished name (CN=billing,O=Example): ")
                    .endsWith("(gateway.conf:3)"),
                problem -> assertThat(problem).isEqualTo("auth.partners.sans: a subject alternative name must not be blank (gateway.conf:3)"),
                problem -> assertThat(problem).startsWith("routes[0].keep-upstream-server-header: ").endsWith("(gateway.conf:4)"));
    }
}
