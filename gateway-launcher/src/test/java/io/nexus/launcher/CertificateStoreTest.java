package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nexus.gateway.config.TlsSettings;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PEM certificate and key files as operators have them, read into the in-memory keystore. */
class CertificateStoreTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"RSA, PKCS8", "RSA, TRADITIONAL", "EC, PKCS8", "EC, TRADITIONAL"})
    void everyUsualPemKeyFormatLoads(String algorithm, String format) throws Exception {
        KeyPair keys = keys(algorithm);
        TlsSettings.Certificate certificate = pem("api", selfSigned(keys), keyPem(keys, format));
        KeyStore store = CertificateStore.load(List.of(certificate));
        assertThat(store.isKeyEntry("api")).isTrue();
        assertThat(store.getKey("api", CertificateStore.PASSWORD.toCharArray()).getAlgorithm()).isEqualTo(algorithm);
        assertThat(keyPem(keys, format)).startsWith(format.equals("PKCS8") ? "-----BEGIN PRIVATE KEY-----"
            : "-----BEGIN " + algorithm + " PRIVATE KEY-----");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() throws Exception {
        TlsSettings.Certificate certificate = pem("api", selfSigned(keys("RSA")), keyPem(keys("RSA"), "PKCS8"));
        assertThatThrownBy(() -> CertificateStore.load(List.of(certificate)))
            .isInstanceOf(GeneralSecurityException.class).hasMessage("certificate api: the private key does not match the certificate");
    }

    @Test
    void aFileWithoutAKeyIsRefusedWithTheFormsExpected() throws Exception {
        KeyPair keys = keys("RSA");
        String certificatePem = selfSigned(keys);
        for (String notAKey : new String[] {"", "not a key\n", certificatePem}) {
            TlsSettings.Certificate certificate = pem("api", certificatePem, notAKey);
            assertThatThrownBy(() -> CertificateStore.load(List.of(certificate)))
                .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("expected -----BEGIN PRIVATE KEY----- (PKCS#8)");
        }
    }

    private TlsSettings.Certificate pem(String name, String certificatePem, String keyPem) throws Exception {
        Path certificateFile = Files.writeString(dir.resolve(name + ".crt"), certificatePem);
        Path keyFile = Files.writeString(dir.resolve(name + ".key"), keyPem);
        return new TlsSettings.Certificate(name, Optional.empty(), "", Optional.of(certificateFile), Optional.of(keyFile));
    }

    private static KeyPair keys(String algorithm) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        generator.initialize(algorithm.equals("RSA") ? 2048 : 256);
        return generator.generateKeyPair();
    }

    private static String selfSigned(KeyPair keys) throws Exception {
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=api.test");
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
            Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), name, keys.getPublic())
            .build(new JcaContentSignerBuilder(keys.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA")
                .build(keys.getPrivate())));
        return armor("CERTIFICATE", certificate.getEncoded());
    }

    /** PKCS8: {@code BEGIN PRIVATE KEY}; TRADITIONAL: OpenSSL's PKCS#1 RSA or SEC1 EC form. */
    private static String keyPem(KeyPair keys, String format) throws Exception {
        if (format.equals("PKCS8")) {
            return armor("PRIVATE KEY", keys.getPrivate().getEncoded());
        }
        if (keys.getPrivate().getAlgorithm().equals("EC")) {
            // As `openssl ecparam -genkey` writes it: the curve inside the SEC1 structure (RFC 5915).
            PrivateKeyInfo pkcs8 = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
            ECPrivateKey sec1 = ECPrivateKey.getInstance(pkcs8.parsePrivateKey());
            return armor("EC PRIVATE KEY", new ECPrivateKey(256, sec1.getKey(), pkcs8.getPrivateKeyAlgorithm().getParameters()).getEncoded());
        }
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(keys.getPrivate());
        }
        return text.toString();
    }

    private static String armor(String type, byte[] der) {
        Base64.Encoder base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        return "-----BEGIN " + type + "-----\n" + base64.encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
