package io.nexus.launcher;

import io.nexus.gateway.config.TlsSettings;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.ssl.SniX509ExtendedKeyManager;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS connector: Jetty's {@link SslContextFactory.Server} over a keystore built from the
 * configured certificates, HTTP/2 over ALPN next to HTTP/1.1, SNI choosing the certificate (the
 * first one when the client names no known host). The certificate files are checked every
 * {@code reload-interval}; a change rebuilds the keystore and calls
 * {@link SslContextFactory#reload}: new handshakes get the new certificate, open connections keep
 * the one they negotiated. A bad file keeps the old certificates and counts a failed reload.
 * Jetty's {@code KeyStoreScanner} is not used: it watches a single keystore file, while here
 * several certificates, PEM pairs included, make up one keystore.
 *
 * <p>The checks run on the gateway's scheduler, like the reload of Jetty's own scanner runs on
 * its scanner's timer: reading a few local PEM or keystore files and rebuilding the SSL context
 * takes milliseconds.
 */
final class TlsTermination extends AbstractLifeCycle {

    static final String CONNECTOR = "public-tls";
    private static final Logger LOG = LoggerFactory.getLogger(TlsTermination.class);

    private final TlsSettings settings;
    private final SslContextFactory.Server ssl;
    private final ServerConnector connector;
    private final Gauge expiry;
    private final CounterDataPoint reloadSuccesses;
    private final CounterDataPoint reloadFailures;
    private volatile String fingerprint;
    private volatile String failedFingerprint;
    private final Scheduler scheduler;
    private volatile Scheduler.Task nextCheck;

    private TlsTermination(TlsSettings settings, SslContextFactory.Server ssl, ServerConnector connector, PrometheusRegistry registry,
                           Scheduler scheduler) {
        this.settings = settings;
        this.ssl = ssl;
        this.connector = connector;
        this.scheduler = scheduler;
        this.expiry = Gauge.builder()
            .name("nexus_tls_certificate_expiry_seconds")
            .help("When each TLS certificate (by configured name) expires, in seconds since the epoch.")
            .labelNames("name")
            .register(registry);
        Counter reloads = Counter.builder()
            .name("nexus_tls_reloads_total")
            .help("Reloads of the TLS certificate files after a change, by result.")
            .labelNames("result")
            .register(registry);
        this.reloadSuccesses = reloads.labelValues("success");
        this.reloadFailures = reloads.labelValues("failure");
    }

    /**
     * Builds the connector (not started: the server starts it) and reads the certificates once.
     *
     * @param scheduler checks the files every {@code reload-interval} while this is started
     */
    private static final String ALPN_H2 = "h2";
    private static final String ALPN_HTTP_1_1 = "http/1.1";

    static TlsTermination create(Server server, String host, TlsSettings settings, HttpConfiguration base, PrometheusRegistry registry,
                                 Scheduler scheduler) throws Exception {
        List<TlsSettings.Certificate> certificates = settings.certificates();
        KeyStore store = CertificateStore.load(certificates);
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(store);
        ssl.setKeyStorePassword(CertificateStore.PASSWORD);
        ssl.setIncludeProtocols(settings.protocols().toArray(String[]::new));
        // Jetty's default cipher exclusions (no NULL, anon, export, RC4, MD5/SHA1 MACs, static RSA)
        // stay; HTTP/2 needs its blacklisted ciphers ordered last (RFC 7540 §9.2.2).
        ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
        String defaultAlias = CertificateStore.alias(certificates.get(0));
        ssl.setSNISelector((keyType, issuers, session, sniHost, certs) -> {
            String alias = ssl.sniSelect(keyType, issuers, session, sniHost, certs);
            if (SniX509ExtendedKeyManager.SniSelector.DELEGATE.equals(alias)
                && certs.stream().anyMatch(x509 -> x509.getAlias().equals(defaultAlias))) {
                return defaultAlias;
            }
            return alias;
        });

        HttpConfiguration https = new HttpConfiguration(base);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // Several names share the port: a request's Host need not match the certificate it came with.
        secure.setSniHostCheck(false);
        https.addCustomizer(secure);
        HttpConnectionFactory http1 = new HttpConnectionFactory(https);
        ConnectionFactory[] factories;
        if (settings.http2()) {
            HTTP2ServerConnectionFactory http2 = new HTTP2ServerConnectionFactory(https);
            // ALPN names, not the factories' protocol names: "HTTP/1.1" never matched a client that
            // offered only "http/1.1" (Python, many SDKs), and its handshake was reset.
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(ALPN_H2, ALPN_HTTP_1_1);
            alpn.setDefaultProtocol(http1.getProtocol());
            factories = new ConnectionFactory[] {new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, http2, http1};
        } else {
            factories = new ConnectionFactory[] {new SslConnectionFactory(ssl, http1.getProtocol()), http1};
        }
        ServerConnector connector = new ServerConnector(server, factories);
        connector.setName(CONNECTOR);
        connector.setHost(host);
        connector.setPort(settings.port());
        TlsTermination tls = new TlsTermination(settings, ssl, connector, registry, scheduler);
        tls.fingerprint = CertificateStore.fingerprint(certificates);
        tls.recordExpiries(store);
        return tls;
    }

    ServerConnector connector() {
        return connector;
    }

    @Override
    protected void doStart() {
        scheduleCheck();
    }

    private void scheduleCheck() {
        // Not once stopping: a check that ends during doStop schedules no other.
        if (isRunning() && !settings.reloadInterval().isZero()) {
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

    @Override
    protected void doStop() {
        Scheduler.Task task = nextCheck;
        if (task != null) {
            task.cancel();
        }
    }

    /**
     * Reloads when the files' content changed since the last load.
     *
     * @return whether a new certificate set went live
     */
    boolean reloadIfChanged() {
        String current = null;
        try {
            current = CertificateStore.fingerprint(settings.certificates());
            if (current.equals(fingerprint) || current.equals(failedFingerprint)) {
                return false;
            }
            KeyStore store = CertificateStore.load(settings.certificates());
            ssl.reload(factory -> factory.setKeyStore(store));
            fingerprint = current;
            recordExpiries(store);
            reloadSuccesses.inc();
            LOG.info("TLS certificates reloaded: {}", CertificateStore.expiries(store, settings.certificates()).keySet());
            return true;
        } catch (Exception e) {
            // Counted and logged once per content; a half-written file is retried once it changes again.
            failedFingerprint = current;
            reloadFailures.inc();
            LOG.warn("TLS certificates not reloaded, the previous ones stay in use: {}", e.toString());
            return false;
        }
    }

    private void recordExpiries(KeyStore store) throws Exception {
        for (Map.Entry<String, Long> entry : CertificateStore.expiries(store, settings.certificates()).entrySet()) {
            expiry.labelValues(entry.getKey()).set(entry.getValue());
        }
    }
}
