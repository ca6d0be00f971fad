package io.nexus.gateway.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads {@code nexus.server.tls} into {@link TlsSettings}; certificate files are checked only when TLS is enabled. */
final class TlsSettingsReader {

    private static final Set<String> TLS_PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

    private TlsSettingsReader() {
    }

    static TlsSettings read(Section s, List<ConfigProblem> problems) {
        boolean enabled = s.bool("enabled");
        int port = s.intBetween("port", 0, 65535);
        List<String> protocols = s.stringList("protocols");
        for (String protocol : protocols) {
            if (!TLS_PROTOCOLS.contains(protocol)) {
                s.problem("protocols", "unsupported protocol \"" + protocol + "\" (TLSv1.2, TLSv1.3)");
            }
        }
        if (protocols.isEmpty() && s.has("protocols")) {
            s.problem("protocols", "needs at least one protocol");
        }
        boolean http2 = s.bool("http2");
        Duration reloadInterval = s.duration("reload-interval", Duration.ZERO);
        List<TlsSettings.Certificate> certificates = new ArrayList<>();
        List<ConfigValue> values = s.list("certificates");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
            if (!(values.get(i) instanceof ConfigObject object)) {
                s.problem("certificates", "certificates[" + i + "]: must be an object");
                continue;
            }
            certificate(s.keyPath("certificates[" + i + "]"), object, i, enabled, names, problems).ifPresent(certificates::add);
        }
        if (enabled && values.isEmpty()) {
            s.problem("certificates", "TLS needs at least one certificate");
        }
        return new TlsSettings(enabled, port, certificates, protocols, http2, reloadInterval);
    }

    private static Optional<TlsSettings.Certificate> certificate(String label, ConfigObject object, int index, boolean enabled,
                                                                 Set<String> names, List<ConfigProblem> problems) {
        List<ConfigProblem> own = new ArrayList<>();
        Section c = Section.merged(object, ReferenceConfig.blockDefaults("tls-certificate"), label, own);
        // Named by position unless it says otherwise: a name is needed for SNI aliases and logs.
        String name = c.optionalString("name").orElse("cert-" + index);
        if (!names.add(name)) {
            c.problem("name", "duplicate certificate name \"" + name + "\"");
        }
        Optional<Path> keystore = c.optionalString("keystore").map(Path::of);
        String password = c.string("keystore-password");
        Optional<Path> certificate = c.optionalString("certificate").map(Path::of);
        Optional<Path> privateKey = c.optionalString("private-key").map(Path::of);
        c.finish();
        if (keystore.isPresent() == (certificate.isPresent() || privateKey.isPresent())) {
            c.problem("keystore", "give either keystore (PKCS12) or certificate and private-key (PEM)");
        } else if (keystore.isEmpty() && (certificate.isEmpty() || privateKey.isEmpty())) {
            c.problem("certificate", "PEM needs both certificate and private-key");
        }
        if (enabled) {
            for (Path file : List.of(keystore, certificate, privateKey).stream().flatMap(Optional::stream).toList()) {
                if (!Files.isReadable(file)) {
                    c.problem("name", "file not found or not readable: " + file);
                }
            }
        }
        problems.addAll(own);
        return own.isEmpty() ? Optional.of(new TlsSettings.Certificate(name, keystore, password, certificate, privateKey)) : Optional.empty();
    }
}
