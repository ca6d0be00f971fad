package io.nexus.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * TLS termination on its own port ({@code nexus.server.tls}), launcher only.
 *
 * @param certificates one or more; the client's SNI name picks among them, the first is the default
 * @param protocols enabled protocol versions (TLS 1.2 and newer only)
 * @param reloadInterval how often the certificate files are checked for changes; zero turns the check off
 */
public record TlsSettings(
    boolean enabled,
    int port,
    List<Certificate> certificates,
    List<String> protocols,
    boolean http2,
    Duration reloadInterval) {

    public TlsSettings {
        certificates = List.copyOf(certificates);
        protocols = List.copyOf(protocols);
    }

    /**
     * One certificate with its key: a PKCS12 keystore, or PEM files (what Kubernetes secrets hold).
     *
     * @param keystorePassword the keystore's (and its key's) password, empty for none
     */
    public record Certificate(String name, Optional<Path> keystore, String keystorePassword, Optional<Path> certificateFile,
                              Optional<Path> privateKeyFile) {

        /** The files whose change reloads this certificate. */
        public List<Path> files() {
            return keystore.map(List::of).orElseGet(() -> List.of(certificateFile.orElseThrow(), privateKeyFile.orElseThrow()));
        }

        @Override
        public String toString() {
            // Never print the password.
            return "Certificate[" + name + ", " + files() + "]";
        }
    }
}
