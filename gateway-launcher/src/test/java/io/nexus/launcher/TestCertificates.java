package io.nexus.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A test CA and the certificates it signs, made on the spot, and their PEM files. */
final class TestCertificates {

    private static final AtomicLong SERIALS = new AtomicLong(1000);

    /** The PEM files of a certificate chain and its private key. */
    record PemFiles(Path certificate, Path privateKey) {
    }

    private TestCertificates() {
    }

    static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    /** A certificate for {@code cn} valid for 30 days, signed by {@code issuer} (the test CA). */
    static X509Certificate issue(KeyPair subject, String cn, List<String> dnsNames, KeyPair issuer, boolean isCa) throws Exception {
        Instant now = Instant.now();
        X500Name issuerName = new X500Name("CN=Nexus Test CA");
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName, BigInteger.valueOf(SERIALS.incrementAndGet()),
            Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(30))), new X500Name("CN=" + cn), subject.getPublic());
        if (isCa) {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        } else {
            builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(dnsNames.stream().map(d -> new GeneralName(GeneralName.dNSName, d)).toArray(GeneralName[]::new)));
        }
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuer.getPrivate())));
    }

    /**
     * A client certificate: subject {@code dn}, an optional URI subject alternative name, valid
     * from {@code notBefore} to {@code notAfter}, signed by the CA named {@code issuerDn}.
     */
    static X509Certificate issueClient(KeyPair subject, String dn, String uri, KeyPair issuer, String issuerDn, Instant notBefore,
                                       Instant notAfter) throws Exception {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(issuerDn), BigInteger.valueOf(SERIALS.incrementAndGet()),
            Date.from(notBefore), Date.from(notAfter), new X500Name(dn), subject.getPublic());
        if (uri != null) {
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
        }
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuer.getPrivate())));
    }

    /** A CA certificate named {@code dn}, self-signed, valid for 30 days. */
    static X509Certificate ca(KeyPair keys, String dn) throws Exception {
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(dn), BigInteger.valueOf(SERIALS.incrementAndGet()),
            Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(30))), new X500Name(dn), keys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
    }

    /** A client's trust in {@code ca} alone (the test CA of the gateway's certificates). */
    static TrustManager[] trusting(X509Certificate ca) throws Exception {
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        anchors.setCertificateEntry("ca", ca);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(anchors);
        return trust.getTrustManagers();
    }

    /** The key managers of a client that presents {@code certificate}. */
    static KeyManager[] keyManagers(KeyPair keys, X509Certificate certificate) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("client", keys.getPrivate(), "x".toCharArray(), new Certificate[] {certificate});
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, "x".toCharArray());
        return factory.getKeyManagers();
    }

    /** PEM text of certificates, one after the other (a CA bundle). */
    static String pem(X509Certificate... certificates) throws Exception {
        Base64.Encoder base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        StringBuilder text = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            text.append("-----BEGIN CERTIFICATE-----\n").append(base64.encodeToString(certificate.getEncoded())).append("\n-----END CERTIFICATE-----\n");
        }
        return text.toString();
    }

    /** Writes {@code text} to {@code target} by an atomic move, as a secret update would. */
    static void replace(String text, Path target) throws IOException {
        move(text, target);
    }

    /** Writes the key, then the chain (certificate, CA), each by an atomic move: the order a renewal tool would use. */
    static void writePem(X509Certificate certificate, X509Certificate ca, KeyPair keys, Path certFile, Path keyFile) throws Exception {
        Base64.Encoder base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        String key = "-----BEGIN PRIVATE KEY-----\n" + base64.encodeToString(keys.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        String chain = "-----BEGIN CERTIFICATE-----\n" + base64.encodeToString(certificate.getEncoded()) + "\n-----END CERTIFICATE-----\n"
            + "-----BEGIN CERTIFICATE-----\n" + base64.encodeToString(ca.getEncoded()) + "\n-----END CERTIFICATE-----\n";
        move(key, keyFile);
        move(chain, certFile);
    }

    private static void move(String text, Path target) throws IOException {
        Path next = target.resolveSibling(target.getFileName() + ".next");
        Files.writeString(next, text);
        Files.move(next, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * A certificate for {@code localhost} from a CA of its own, made once per JVM (two RSA key
     * pairs take a moment) in a temporary directory removed at exit.
     */
    static PemFiles localhost() {
        return Localhost.FILES;
    }

    private static final class Localhost {
        static final PemFiles FILES = create();

        private static PemFiles create() {
            try {
                Path dir = Files.createTempDirectory("nexus-test-tls");
                KeyPair caKeys = rsa();
                X509Certificate ca = issue(caKeys, "Nexus Test CA", List.of(), caKeys, true);
                KeyPair keys = rsa();
                X509Certificate certificate = issue(keys, "localhost", List.of("localhost"), caKeys, false);
                PemFiles files = new PemFiles(dir.resolve("localhost.crt"), dir.resolve("localhost.key"));
                writePem(certificate, ca, keys, files.certificate(), files.privateKey());
                // deleteOnExit runs in reverse order of registration: the files, then their directory.
                dir.toFile().deleteOnExit();
                files.certificate().toFile().deleteOnExit();
                files.privateKey().toFile().deleteOnExit();
                return files;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (Exception e) {
                throw new IllegalStateException("cannot make the test certificate", e);
            }
        }
    }
}
