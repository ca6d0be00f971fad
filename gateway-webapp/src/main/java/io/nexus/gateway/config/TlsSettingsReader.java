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
import java.util.regex.Pattern;

/** Reads {@code nexus.server.tls} into {@link TlsSettings}; certificate files are checked only when TLS is enabled. */
final class TlsSettingsReader {

    private static final Set<String> TLS_PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");
    /** JSSE's standard names: OpenSSL's (ECDHE-RSA-AES128-GCM-SHA256) would silently match nothing. */
    private static final Pattern SUITE = Pattern.compile("TLS_[A-Z0-9_]+");
    private static final Duration PRELOAD_MIN_AGE = Duration.ofDays(365);

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
        TlsSettings.Profile profile = profile(s);
        List<String> cipherSuites = s.stringList("cipher-suites");
        for (String suite : cipherSuites) {
            if (!SUITE.matcher(suite).matches()) {
                s.problem("cipher-suites", "\"" + suite + "\" is not a JSSE cipher suite name (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256, ...)");
            }
        }
        TlsSettings.ClientAuth clientAuth = clientAuth(s.section("client-auth"), enabled);
        Section hstsSection = s.section("hsts");
        TlsSettings.Hsts hsts = new TlsSettings.Hsts(hstsSection.duration("max-age", Duration.ZERO), hstsSection.bool("include-subdomains"),
            hstsSection.bool("preload"));
        hstsSection.finish();
        if (hsts.preload() && (hsts.maxAge().compareTo(PRELOAD_MIN_AGE) < 0 || !hsts.includeSubdomains())) {
            // hstspreload.org refuses a site that asks for preload without these.
            hstsSection.problem("preload", "preload needs max-age of at least 365d and include-subdomains = true");
        }
        boolean ocspStapling = s.bool("ocsp-stapling");
        return new TlsSettings(enabled, port, certificates, protocols, http2, reloadInterval, profile, cipherSuites, clientAuth, hsts,
            ocspStapling);
    }

    private static TlsSettings.Profile profile(Section s) {
        String profile = s.string("profile");
        if (profile == null || profile.equals("intermediate")) {
            return TlsSettings.Profile.INTERMEDIATE;
        }
        if (profile.equals("modern")) {
            return TlsSettings.Profile.MODERN;
        }
        s.problem("profile", "must be intermediate or modern, was \"" + profile + "\"");
        return TlsSettings.Profile.INTERMEDIATE;
    }

    private static TlsSettings.ClientAuth clientAuth(Section c, boolean enabled) {
        String modeName = c.string("mode");
        TlsSettings.ClientAuth.Mode mode = TlsSettings.ClientAuth.Mode.NONE;
        if ("optional".equals(modeName)) {
            mode = TlsSettings.ClientAuth.Mode.OPTIONAL;
        } else if ("required".equals(modeName)) {
            mode = TlsSettings.ClientAuth.Mode.REQUIRED;
        } else if (modeName != null && !modeName.equals("none")) {
            c.problem("mode", "must be none, optional or required, was \"" + modeName + "\"");
        }
        Optional<Path> caFile = c.optionalString("ca-file").map(Path::of);
        Optional<Path> crlFile = c.optionalString("crl-file").map(Path::of);
        c.finish();
        if (mode != TlsSettings.ClientAuth.Mode.NONE && caFile.isEmpty()) {
            c.problem("ca-file", "client-auth mode " + modeName + " needs the CA file that client certificates must chain to");
        }
        if (enabled && mode != TlsSettings.ClientAuth.Mode.NONE) {
            caFile.filter(file -> !Files.isReadable(file)).ifPresent(file -> c.problem("ca-file", "file not found or not readable: " + file));
            crlFile.filter(file -> !Files.isReadable(file)).ifPresent(file -> c.problem("crl-file", "file not found or not readable: " + file));
        }
        return new TlsSettings.ClientAuth(mode, caFile, crlFile);
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
        // Absent: the port's. Present: replaces it whole, what it leaves out comes from the port's reference defaults.
        Optional<TlsSettings.ClientAuth> clientAuth = c.has("client-auth")
            ? Optional.of(clientAuth(c.section("client-auth", ReferenceConfig.RESOLVED.getObject("nexus.server.tls.client-auth")), enabled))
            : Optional.empty();
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
        return own.isEmpty() ? Optional.of(new TlsSettings.Certificate(name, keystore, password, certificate, privateKey, clientAuth)) : Optional.empty();
    }
}
