package io.nexus.launcher;

import io.nexus.gateway.config.PemCertificates;
import io.nexus.gateway.config.Sha256;
import io.nexus.gateway.config.TlsSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Builds one in-memory keystore from every configured certificate (PKCS12 files and PEM
 * cert/key pairs), one alias per certificate name, so that Jetty's SNI selection can choose
 * among them; and fingerprints the files so that a change is noticed, also a Kubernetes
 * secret's symlink swap that keeps modification times.
 */
final class CertificateStore {

    /** Protects the keys inside the in-memory keystore only; it never leaves the process. */
    static final String PASSWORD = "nexus-in-memory";

    private CertificateStore() {
    }

    /** A keystore with every certificate under its lower-case name. */
    static KeyStore load(List<TlsSettings.Certificate> certificates) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (TlsSettings.Certificate certificate : certificates) {
            String alias = alias(certificate);
            if (certificate.keystore().isPresent()) {
                char[] password = certificate.keystorePassword().toCharArray();
                KeyStore file = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(certificate.keystore().get())) {
                    file.load(in, password);
                }
                String keyAlias = Collections.list(file.aliases()).stream().filter(a -> isKey(file, a)).findFirst()
                    .orElseThrow(() -> new GeneralSecurityException(certificate.keystore().get() + ": no private key entry"));
                Key key = file.getKey(keyAlias, password);
                store.setKeyEntry(alias, key, PASSWORD.toCharArray(), file.getCertificateChain(keyAlias));
            } else {
                Certificate[] chain = pemCertificates(certificate.certificateFile().get());
                PrivateKey key = pemPrivateKey(certificate.privateKeyFile().get());
                checkPair(certificate, key, chain[0]);
                store.setKeyEntry(alias, key, PASSWORD.toCharArray(), chain);
            }
        }
        return store;
    }

    /**
     * Refuses a key that does not belong to the certificate: files rotated one after the other
     * are briefly mismatched, and serving that pair would fail every handshake.
     */
    private static void checkPair(TlsSettings.Certificate certificate, PrivateKey key, Certificate leaf) throws GeneralSecurityException {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] probe = "nexus key check".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(leaf.getPublicKey());
        verifier.update(probe);
        if (!verifier.verify(signature)) {
            throw new GeneralSecurityException("certificate " + certificate.name() + ": the private key does not match the certificate");
        }
    }

    static String alias(TlsSettings.Certificate certificate) {
        return certificate.name().toLowerCase(Locale.ROOT);
    }

    /** Expiry (notAfter, seconds since the epoch) of each certificate's leaf, by certificate name. */
    static Map<String, Long> expiries(KeyStore store, List<TlsSettings.Certificate> certificates) throws GeneralSecurityException {
        Map<String, Long> expiries = new TreeMap<>();
        for (TlsSettings.Certificate certificate : certificates) {
            X509Certificate leaf = (X509Certificate) store.getCertificate(alias(certificate));
            expiries.put(certificate.name(), leaf.getNotAfter().toInstant().getEpochSecond());
        }
        return expiries;
    }

    /** A hash over the content of every certificate file, in order. */
    static String fingerprint(List<TlsSettings.Certificate> certificates) throws IOException {
        return fingerprint(certificates, List.of());
    }

    /** A hash over the content of every certificate file, then of the other files, in order. */
    static String fingerprint(List<TlsSettings.Certificate> certificates, List<Path> others) throws IOException {
        return Sha256.ofFiles(Stream.concat(certificates.stream().flatMap(certificate -> certificate.files().stream()), others.stream()).toList());
    }

    private static boolean isKey(KeyStore store, String alias) {
        try {
            return store.isKeyEntry(alias);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static Certificate[] pemCertificates(Path file) throws IOException, GeneralSecurityException {
        return PemCertificates.read(file);
    }

    /**
     * The first private key of a PEM file, read by BouncyCastle's PEMParser: PKCS#8
     * ({@code BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1
     * ({@code BEGIN EC PRIVATE KEY}); RSA or EC. The JDK reads PEM certificates but, before Java
     * 25's preview PEMDecoder, no PEM keys.
     */
    private static PrivateKey pemPrivateKey(Path file) throws IOException, GeneralSecurityException {
        try (PEMParser pem = new PEMParser(Files.newBufferedReader(file, StandardCharsets.US_ASCII))) {
            for (Object entry = pem.readObject(); entry != null; entry = pem.readObject()) {
                PrivateKeyInfo info = switch (entry) {
                    case PrivateKeyInfo pkcs8 -> pkcs8;
                    case PEMKeyPair pkcs1OrSec1 -> pkcs1OrSec1.getPrivateKeyInfo();
                    default -> null;
                };
                if (info == null) {
                    continue;
                }
                // Converted by the JDK's own key factories: BouncyCastle is never a JCA provider here.
                PrivateKey key = new JcaPEMKeyConverter().getPrivateKey(info);
                if (!key.getAlgorithm().equals("RSA") && !key.getAlgorithm().equals("EC")) {
                    throw new GeneralSecurityException(file + ": not an RSA or EC private key");
                }
                return key;
            }
        }
        throw new GeneralSecurityException(file + ": expected -----BEGIN PRIVATE KEY----- (PKCS#8), -----BEGIN RSA PRIVATE KEY----- or "
            + "-----BEGIN EC PRIVATE KEY----- (an encrypted key must be decrypted first)");
    }
}
