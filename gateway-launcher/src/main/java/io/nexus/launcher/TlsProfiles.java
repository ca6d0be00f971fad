package io.nexus.launcher;

import io.nexus.gateway.config.TlsSettings;
import java.util.List;
import java.util.stream.Stream;

/**
 * Mozilla's server-side TLS configurations (https://ssl-config.mozilla.org, guidelines 5.7) in
 * JSSE names. Intermediate: TLS 1.3, and TLS 1.2 with AEAD suites and forward secrecy only (no
 * CBC suite, which scanners flag as obsolete and LUCKY13-prone); modern: TLS 1.3 only. The same
 * lists are what docs/deploy-war.md tells a WAR's operator to put into jetty-ssl-context.xml.
 */
final class TlsProfiles {

    static final List<String> TLS13_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
    /** Mozilla intermediate's TLS 1.2 suites: ECDHE (ECDSA, then RSA certificates) and DHE with RFC 7919 groups. */
    static final List<String> TLS12_AEAD_SUITES = List.of(
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    /**
     * X25519 first (Mozilla: X25519, prime256v1, secp384r1); the finite-field groups of RFC 7919
     * after them, for the DHE suites.
     */
    static final List<String> NAMED_GROUPS = List.of("x25519", "secp256r1", "secp384r1", "ffdhe2048", "ffdhe3072");

    private TlsProfiles() {
    }

    static List<String> protocols(TlsSettings settings) {
        if (!settings.protocols().isEmpty()) {
            return settings.protocols();
        }
        return settings.profile() == TlsSettings.Profile.MODERN ? List.of("TLSv1.3") : List.of("TLSv1.3", "TLSv1.2");
    }

    static List<String> cipherSuites(TlsSettings settings) {
        if (!settings.cipherSuites().isEmpty()) {
            return settings.cipherSuites();
        }
        if (settings.profile() == TlsSettings.Profile.MODERN) {
            return TLS13_SUITES;
        }
        return Stream.concat(TLS13_SUITES.stream(), TLS12_AEAD_SUITES.stream()).toList();
    }
}
