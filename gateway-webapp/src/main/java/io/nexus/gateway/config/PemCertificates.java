package io.nexus.gateway.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

/** Reads the X.509 certificates of a PEM file (a chain, or CAs to trust) with the JDK's own parser. */
public final class PemCertificates {

    private PemCertificates() {
    }

    /** Every certificate of the file, in order; none is an error. */
    public static Certificate[] read(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            Certificate[] certificates = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(Certificate[]::new);
            if (certificates.length == 0) {
                throw new GeneralSecurityException(file + ": no PEM certificate");
            }
            return certificates;
        }
    }
}
