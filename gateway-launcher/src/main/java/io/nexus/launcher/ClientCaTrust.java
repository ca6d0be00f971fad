package io.nexus.launcher;

import io.nexus.gateway.config.TlsSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CRL;
import java.security.cert.CertPathValidator;
import java.security.cert.CertStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.EnumSet;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies client certificates against {@code tls.client-auth.ca-file} (and its
 * {@code crl-file}), swapped whole when the files change while the {@code SSLContext} stays (see
 * {@link ReloadableKeyManager}). A handshake reads the current verifier once per check, so a
 * reload never fails a handshake in progress: it is verified by the old CA or the new one.
 * Revocation is checked only against the CRL file, for the client's own certificate (no OCSP or
 * CRL distribution point fetched during a handshake).
 */
final class ClientCaTrust extends ClientOnlyTrustManager {

    private volatile X509ExtendedTrustManager current;

    /** Reads the files; on a failure the previous CA stays in use. */
    void load(TlsSettings.ClientAuth settings) throws IOException, GeneralSecurityException {
        current = newTrustManager(settings.caFile().orElseThrow(), settings.crlFile().orElse(null));
    }

    private static X509ExtendedTrustManager newTrustManager(Path caFile, Path crlFile) throws IOException, GeneralSecurityException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            int i = 0;
            for (Certificate ca : factory.generateCertificates(in)) {
                anchors.setCertificateEntry("ca-" + i++, ca);
            }
            if (i == 0) {
                throw new GeneralSecurityException(caFile + ": no PEM certificate");
            }
        }
        PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, new X509CertSelector());
        if (crlFile == null) {
            parameters.setRevocationEnabled(false);
        } else {
            Collection<? extends CRL> crls;
            try (InputStream in = Files.newInputStream(crlFile)) {
                crls = factory.generateCRLs(in);
            }
            parameters.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
            PKIXRevocationChecker revocation = (PKIXRevocationChecker) CertPathValidator.getInstance("PKIX").getRevocationChecker();
            revocation.setOptions(EnumSet.of(PKIXRevocationChecker.Option.PREFER_CRLS, PKIXRevocationChecker.Option.ONLY_END_ENTITY,
                PKIXRevocationChecker.Option.NO_FALLBACK));
            parameters.addCertPathChecker(revocation);
            parameters.setRevocationEnabled(true);
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init(new CertPathTrustManagerParameters(parameters));
        for (TrustManager manager : trust.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager extended) {
                return extended;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager for " + caFile);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        current.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        current.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        current.checkClientTrusted(chain, authType);
    }

    /** The CAs named in the certificate request, so that a client picks a certificate they issued. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return current.getAcceptedIssuers();
    }
}
