package io.nexus.launcher;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

/**
 * A certificate authority of a test's own, in a directory of its own: its certificate as a PEM
 * file (what {@code upstreams.NAME.tls.ca-file} trusts), and keystores and PEM files of the
 * certificates it issues (servers, clients).
 */
final class PrivateCa {

    static final char[] PASSWORD = "test-only".toCharArray();

    private final Path dir;
    private final KeyPair keys;
    private final X509Certificate certificate;

    /** Named as {@link TestCertificates#issue} names every issuer; two of them differ by their keys. */
    PrivateCa(Path dir) throws Exception {
        this.dir = dir;
        this.keys = TestCertificates.rsa();
        this.certificate = TestCertificates.issue(keys, "Nexus Test CA", List.of(), keys, true);
        Files.writeString(caFile(), pem(certificate));
    }

    /** The CA's certificate, PEM. */
    Path caFile() {
        return dir.resolve("ca-" + certificate.getSerialNumber() + ".pem");
    }

    /** A certificate for {@code dnsName} (also its CN) and its key, in a keystore (alias {@code key}). */
    KeyStore keyStore(String dnsName) throws Exception {
        KeyPair subject = TestCertificates.rsa();
        X509Certificate issued = TestCertificates.issue(subject, dnsName, List.of(dnsName), keys, false);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("key", subject.getPrivate(), PASSWORD, new Certificate[] {issued, certificate});
        return store;
    }

    /** A trust store holding this CA. */
    KeyStore trustStore() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", certificate);
        return store;
    }

    /** A certificate for {@code cn} as PEM files: the chain and its PKCS#8 key. */
    TestCertificates.PemFiles pemFiles(String cn) throws Exception {
        KeyPair subject = TestCertificates.rsa();
        X509Certificate issued = TestCertificates.issue(subject, cn, List.of(cn), keys, false);
        TestCertificates.PemFiles files = new TestCertificates.PemFiles(dir.resolve(cn + ".crt"), dir.resolve(cn + ".key"));
        TestCertificates.writePem(issued, certificate, subject, files.certificate(), files.privateKey());
        return files;
    }

    static String pem(X509Certificate certificate) throws Exception {
        Base64.Encoder base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        return "-----BEGIN CERTIFICATE-----\n" + base64.encodeToString(certificate.getEncoded()) + "\n-----END CERTIFICATE-----\n";
    }
}
