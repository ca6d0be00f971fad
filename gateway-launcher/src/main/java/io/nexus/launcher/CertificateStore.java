package io.nexus.launcher;

import io.nexus.gateway.config.TlsSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

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
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (TlsSettings.Certificate certificate : certificates) {
                for (Path file : certificate.files()) {
                    digest.update(Files.readAllBytes(file));
                    digest.update((byte) 0);
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static boolean isKey(KeyStore store, String alias) {
        try {
            return store.isKeyEntry(alias);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static Certificate[] pemCertificates(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            Certificate[] chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(Certificate[]::new);
            if (chain.length == 0) {
                throw new GeneralSecurityException(file + ": no PEM certificate");
            }
            return chain;
        }
    }

    /** PKCS#8 ({@code BEGIN PRIVATE KEY}, RSA or EC) or PKCS#1 ({@code BEGIN RSA PRIVATE KEY}). */
    private static PrivateKey pemPrivateKey(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        boolean pkcs1 = pem.contains("BEGIN RSA PRIVATE KEY");
        if (!pkcs1 && !pem.contains("BEGIN PRIVATE KEY")) {
            throw new GeneralSecurityException(file + ": expected -----BEGIN PRIVATE KEY----- (PKCS#8) or -----BEGIN RSA PRIVATE KEY-----");
        }
        String base64 = pem.replaceAll("-----(BEGIN|END) (RSA )?PRIVATE KEY-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(base64);
        if (pkcs1) {
            der = pkcs1ToPkcs8(der);
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new GeneralSecurityException(file + ": not an RSA or EC private key");
    }

    /** Wraps a PKCS#1 RSA key in a PKCS#8 PrivateKeyInfo (RFC 5208): version 0, rsaEncryption, the key. */
    private static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        byte[] octets = concat(new byte[] {0x04}, length(pkcs1.length), pkcs1);
        byte[] body = concat(new byte[] {0x02, 0x01, 0x00}, algorithm, octets);
        return concat(new byte[] {0x30}, length(body.length), body);
    }

    private static byte[] length(int length) {
        if (length < 0x80) {
            return new byte[] {(byte) length};
        }
        if (length < 0x100) {
            return new byte[] {(byte) 0x81, (byte) length};
        }
        if (length < 0x10000) {
            return new byte[] {(byte) 0x82, (byte) (length >> 8), (byte) length};
        }
        return new byte[] {(byte) 0x83, (byte) (length >> 16), (byte) (length >> 8), (byte) length};
    }

    private static byte[] concat(byte[]... parts) {
        int total = 0;
        for (byte[] part : parts) {
            total += part.length;
        }
        byte[] result = new byte[total];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, result, at, part.length);
            at += part.length;
        }
        return result;
    }
}
