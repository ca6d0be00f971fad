package io.nexus.gateway.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Reads {@code upstreams.NAME.tls}; the files must be readable when the config is loaded. */
final class UpstreamTlsSettingsReader {

    private UpstreamTlsSettingsReader() {
    }

    static UpstreamTlsSettings read(Section s) {
        Optional<Path> ca = file(s, "ca-file");
        Optional<Path> certificate = file(s, "certificate");
        Optional<Path> key = file(s, "private-key");
        if (certificate.isPresent() != key.isPresent()) {
            // Named at the key the file gave: the other one's origin is reference.conf.
            s.problem(certificate.isPresent() ? "certificate" : "private-key", "a client certificate needs both certificate and private-key");
        }
        return new UpstreamTlsSettings(ca, certificate, key, s.bool("verify-hostname"), s.duration("reload-interval", Duration.ZERO));
    }

    /** A path, or empty for {@code ""}. */
    private static Optional<Path> file(Section s, String key) {
        Optional<Path> file = s.optionalString(key).filter(name -> !name.isBlank()).map(Path::of);
        if (file.isPresent() && !Files.isReadable(file.get())) {
            s.problem(key, "file not found or not readable: " + file.get());
        }
        return file;
    }
}
