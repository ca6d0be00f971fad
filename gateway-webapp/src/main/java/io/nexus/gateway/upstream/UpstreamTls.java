package io.nexus.gateway.upstream;

import io.nexus.gateway.config.PemCertificates;
import io.nexus.gateway.config.Sha256;
import io.nexus.gateway.config.UpstreamTlsSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS side of an upstream's client: Jetty's {@link SslContextFactory.Client} trusting the
 * configured CA file (else the JDK's trust store), presenting the configured client certificate
 * (mTLS), verifying the target's host name unless told not to. A bean of the client: while it
 * runs, the files are checked every {@code reload-interval} on the gateway's scheduler and a
 * change goes live through {@link SslContextFactory#reload}, for new connections (pooled ones
 * keep the session they negotiated), as the public port's certificates do. A file that does not
 * read keeps the previous context and is logged once per content.
 */
final class UpstreamTls extends AbstractLifeCycle {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamTls.class);
    /** Protects the key inside the in-memory keystore only; it never leaves the process. */
    private static final char[] PASSWORD = "nexus-in-memory".toCharArray();
    private static final Pattern PKCS8 = Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final String ALIAS = "client";

    private final String upstream;
    private final UpstreamTlsSettings settings;
    private final SslContextFactory.Client ssl;
    private final Scheduler scheduler;
    private volatile String fingerprint;
    private volatile String failedFingerprint;
    private volatile Scheduler.Task nextCheck;

    private UpstreamTls(String upstream, UpstreamTlsSettings settings, SslContextFactory.Client ssl, Scheduler scheduler) {
        this.upstream = upstream;
        this.settings = settings;
        this.ssl = ssl;
        this.scheduler = scheduler;
    }

    /**
     * Reads the files once; a file that does not read fails the upstream (and with it the config).
     *
     * @param scheduler checks the files while this runs; {@code null}: never
     */
    static UpstreamTls create(String upstream, UpstreamTlsSettings settings, Scheduler scheduler) throws IOException, GeneralSecurityException {
        SslContextFactory.Client ssl = new SslContextFactory.Client();
        // RFC 9110 §4.3.4: the certificate must name the host of the target's URL. Jetty's
        // default already; said here because turning it off is a setting.
        ssl.setEndpointIdentificationAlgorithm(settings.verifyHostname() ? "HTTPS" : null);
        apply(ssl, settings);
        UpstreamTls tls = new UpstreamTls(upstream, settings, ssl, scheduler);
        tls.fingerprint = Sha256.ofFiles(settings.files());
        return tls;
    }

    SslContextFactory.Client sslContextFactory() {
        return ssl;
    }

    private static void apply(SslContextFactory.Client ssl, UpstreamTlsSettings settings) throws IOException, GeneralSecurityException {
        if (settings.caFile().isPresent()) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            Certificate[] cas = PemCertificates.read(settings.caFile().get());
            for (int i = 0; i < cas.length; i++) {
                trust.setCertificateEntry("ca-" + i, cas[i]);
            }
            ssl.setTrustStore(trust);
        }
        if (settings.certificate().isPresent()) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry(ALIAS, privateKey(settings.privateKey().orElseThrow()), PASSWORD, PemCertificates.read(settings.certificate().get()));
            ssl.setKeyStore(keys);
            ssl.setKeyStorePassword(new String(PASSWORD));
        }
    }

    @Override
    protected void doStart() {
        scheduleCheck();
    }

    @Override
    protected void doStop() {
        Scheduler.Task task = nextCheck;
        if (task != null) {
            task.cancel();
        }
    }

    private void scheduleCheck() {
        if (scheduler != null && isRunning() && !settings.reloadInterval().isZero() && !settings.files().isEmpty()) {
            nextCheck = scheduler.schedule(this::checkAndReschedule, settings.reloadInterval().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void checkAndReschedule() {
        try {
            reloadIfChanged();
        } finally {
            scheduleCheck();
        }
    }

    /**
     * Reloads when the files' content changed since the last load.
     *
     * @return whether new files went live
     */
    boolean reloadIfChanged() {
        String current = null;
        try {
            current = Sha256.ofFiles(settings.files());
            if (current.equals(fingerprint) || current.equals(failedFingerprint)) {
                return false;
            }
            ssl.reload(factory -> {
                try {
                    apply((SslContextFactory.Client) factory, settings);
                } catch (IOException | GeneralSecurityException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            });
            fingerprint = current;
            LOG.info("TLS files of upstream {} reloaded: {}", upstream, settings.files());
            return true;
        } catch (Exception e) {
            // Logged once per content: a half-written file is retried once it changes again.
            failedFingerprint = current;
            LOG.warn("TLS files of upstream {} not reloaded, the previous ones stay in use: {}", upstream, e.toString());
            return false;
        }
    }


    /**
     * A PKCS#8 PEM key ({@code BEGIN PRIVATE KEY}), RSA or EC, read by the JDK: the WAR carries no
     * PEM library (the launcher's BouncyCastle reads more forms for the public port).
     * {@code openssl pkcs8 -topk8 -nocrypt} converts the others.
     */
    private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        Matcher pem = PKCS8.matcher(Files.readString(file));
        if (!pem.find()) {
            throw new GeneralSecurityException(file + ": no PKCS#8 PEM private key (BEGIN PRIVATE KEY)");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(pem.group(1)));
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException notThisOne) {
                // Try the next algorithm.
            }
        }
        throw new GeneralSecurityException(file + ": the private key is neither RSA nor EC");
    }

}
