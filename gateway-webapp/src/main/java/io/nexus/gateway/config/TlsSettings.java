package io.nexus.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * TLS termination on its own port ({@code nexus.server.tls}), launcher only; {@code hsts} also
 * applies to a WAR's secure requests.
 *
 * @param certificates one or more; the client's SNI name picks among them, the first is the default
 * @param protocols enabled protocol versions (TLS 1.2 and newer only); empty: the profile's
 * @param reloadInterval how often the certificate and CA files are checked for changes; zero turns the check off
 * @param profile the protocols, cipher suites and named groups offered (Mozilla's server-side TLS guidelines)
 * @param cipherSuites the JSSE names of the suites offered, overriding the profile's; empty: the profile's
 * @param clientAuth whether and against which CA client certificates are verified in the handshake
 * @param hsts the {@code Strict-Transport-Security} header of secure responses
 * @param ocspStapling staple the certificate's OCSP response (the JDK's server-side status request support)
 */
public record TlsSettings(
    boolean enabled,
    int port,
    List<Certificate> certificates,
    List<String> protocols,
    boolean http2,
    Duration reloadInterval,
    Profile profile,
    List<String> cipherSuites,
    ClientAuth clientAuth,
    Hsts hsts,
    boolean ocspStapling) {

    public TlsSettings {
        certificates = List.copyOf(certificates);
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
    }

    /** With reference.conf's profile, client authentication, HSTS and stapling (for tests). */
    public TlsSettings(boolean enabled, int port, List<Certificate> certificates, List<String> protocols, boolean http2, Duration reloadInterval) {
        this(enabled, port, certificates, protocols, http2, reloadInterval, Profile.INTERMEDIATE, List.of(), ClientAuth.NONE, Hsts.OFF, false);
    }

    /** The client authentication of the handshakes that get {@code certificate}: its own, or else the port's. */
    public ClientAuth clientAuth(Certificate certificate) {
        return certificate.clientAuth().orElse(clientAuth);
    }

    /** {@code tls.profile}: Mozilla's server-side TLS configurations. */
    public enum Profile {
        /** TLS 1.3, and TLS 1.2 with AEAD suites and forward secrecy only. */
        INTERMEDIATE,
        /** TLS 1.3 only. */
        MODERN
    }

    /**
     * {@code tls.client-auth}.
     *
     * @param caFile PEM certificates of the CAs a client certificate must chain to (needed unless the mode is none)
     * @param crlFile PEM or DER certificate revocation lists checked with the chain, if any
     */
    public record ClientAuth(Mode mode, Optional<Path> caFile, Optional<Path> crlFile) {

        /** No client certificates asked for. */
        public static final ClientAuth NONE = new ClientAuth(Mode.NONE, Optional.empty(), Optional.empty());

        /** Whether the handshake asks for a client certificate. */
        public enum Mode {
            /** Never asked for. */
            NONE,
            /** Asked for; a client without one still connects (a route's client-cert auth then answers 401). */
            OPTIONAL,
            /** A handshake without a valid client certificate fails. */
            REQUIRED
        }

        /** The files whose change reloads the CA (and revocation lists). */
        public List<Path> files() {
            return Stream.of(caFile, crlFile).flatMap(Optional::stream).toList();
        }
    }

    /**
     * {@code tls.hsts}: RFC 6797's header, on secure responses only.
     *
     * @param maxAge zero: no header
     */
    public record Hsts(Duration maxAge, boolean includeSubdomains, boolean preload) {

        /** No header. */
        public static final Hsts OFF = new Hsts(Duration.ZERO, false, false);

        /** The header's value, or {@code null} when none is sent. */
        public String headerValue() {
            if (maxAge.isZero()) {
                return null;
            }
            return "max-age=" + maxAge.toSeconds() + (includeSubdomains ? "; includeSubDomains" : "") + (preload ? "; preload" : "");
        }
    }

    /**
     * One certificate with its key: a PKCS12 keystore, or PEM files (what Kubernetes secrets hold).
     *
     * @param keystorePassword the keystore's (and its key's) password, empty for none
     * @param clientAuth this certificate's own {@code client-auth}, replacing the port's for the
     *     handshakes that get this certificate; empty: the port's
     */
    public record Certificate(String name, Optional<Path> keystore, String keystorePassword, Optional<Path> certificateFile,
                              Optional<Path> privateKeyFile, Optional<ClientAuth> clientAuth) {

        /** With the port's client authentication. */
        public Certificate(String name, Optional<Path> keystore, String keystorePassword, Optional<Path> certificateFile,
                           Optional<Path> privateKeyFile) {
            this(name, keystore, keystorePassword, certificateFile, privateKeyFile, Optional.empty());
        }

        /** The files whose change reloads this certificate. */
        public List<Path> files() {
            return keystore.map(List::of).orElseGet(() -> List.of(certificateFile.orElseThrow(), privateKeyFile.orElseThrow()));
        }

        @Override
        public String toString() {
            // Never print the password.
            return "Certificate[" + name + ", " + files() + clientAuth.map(auth -> ", " + auth).orElse("") + "]";
        }
    }
}
