package io.nexus.launcher;

import io.nexus.gateway.config.TlsSettings;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
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
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS connector: Jetty's {@link SslContextFactory.Server} over one {@code SSLContext} whose
 * key manager holds the configured certificates ({@link ReloadableKeyManager}: SNI chooses, the
 * first is the default) and, with {@code client-auth}, whose trust manager verifies client
 * certificates against the CA of the certificate SNI chose ({@link SniClientTrust}); the profile's protocols, suites and named groups
 * ({@link TlsProfiles}); HTTP/2 over ALPN next to HTTP/1.1. The certificate and CA files are
 * checked every {@code reload-interval}; a change loads them into the managers: new handshakes
 * get the new certificate and CA, open connections keep what they negotiated, and sessions
 * resume across the change. A bad file keeps the old ones and counts a failed reload.
 * Jetty's {@code KeyStoreScanner} is not used: it watches a single keystore file, while here
 * several certificates, PEM pairs included, make up one keystore.
 *
 * <p>The checks run on the gateway's scheduler, like the reload of Jetty's own scanner runs on
 * its scanner's timer: reading a few local PEM or keystore files and rebuilding the SSL context
 * takes milliseconds.
 */
final class TlsTermination extends AbstractLifeCycle {

    static final String CONNECTOR = "public-tls";
    private static final String ALPN_H2 = "h2";
    private static final String ALPN_HTTP_1_1 = "http/1.1";
    private static final Logger LOG = LoggerFactory.getLogger(TlsTermination.class);

    private final TlsSettings settings;
    private final ReloadableKeyManager keys;
    private final SniClientTrust trust;
    private final ServerConnector connector;
    private final Gauge expiry;
    private final CounterDataPoint reloadSuccesses;
    private final CounterDataPoint reloadFailures;
    private volatile String fingerprint;
    private volatile String failedFingerprint;
    private final Scheduler scheduler;
    private volatile Scheduler.Task nextCheck;

    private TlsTermination(TlsSettings settings, ReloadableKeyManager keys, SniClientTrust trust, ServerConnector connector,
                           PrometheusRegistry registry, Scheduler scheduler) {
        this.settings = settings;
        this.keys = keys;
        this.trust = trust;
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
    static TlsTermination create(Server server, String host, TlsSettings settings, HttpConfiguration base, PrometheusRegistry registry,
                                 Scheduler scheduler) throws Exception {
        List<TlsSettings.Certificate> certificates = settings.certificates();
        KeyStore store = CertificateStore.load(certificates);
        ReloadableKeyManager keys = new ReloadableKeyManager();
        keys.load(store, CertificateStore.PASSWORD.toCharArray(), certificates.stream().map(CertificateStore::alias).toList());
        SniClientTrust trust = null;
        if (SniClientTrust.needed(settings)) {
            trust = new SniClientTrust(keys);
            trust.load(settings);
        }
        // One context for the process's life: reloads swap what the managers hold, so the session
        // cache and ticket keys survive them.
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {keys}, trust == null ? null : new TrustManager[] {trust}, null);
        SslContextFactory.Server ssl = new ProfiledSslContextFactory();
        ssl.setSslContext(context);
        ssl.setIncludeProtocols(TlsProfiles.protocols(settings).toArray(String[]::new));
        ssl.setIncludeCipherSuites(TlsProfiles.cipherSuites(settings).toArray(String[]::new));
        // HTTP/2 needs its blacklisted ciphers ordered last (RFC 7540 §9.2.2); a profile has none.
        ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
        // A client-initiated TLS 1.2 renegotiation costs the server a handshake for nothing (a DoS lever scanners flag).
        ssl.setRenegotiationAllowed(false);
        TlsSettings.ClientAuth.Mode clientAuth = SniClientTrust.engineMode(settings);
        ssl.setWantClientAuth(clientAuth == TlsSettings.ClientAuth.Mode.OPTIONAL);
        ssl.setNeedClientAuth(clientAuth == TlsSettings.ClientAuth.Mode.REQUIRED);

        HttpConfiguration https = new HttpConfiguration(base);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // Several names share the port: a request's Host need not match the certificate it came with.
        secure.setSniHostCheck(false);
        https.addCustomizer(secure);
        HttpConnectionFactory http1 = new HttpConnectionFactory(https);
        SslConnectionFactory tls;
        ConnectionFactory[] factories;
        if (settings.http2()) {
            HTTP2ServerConnectionFactory http2 = new HTTP2ServerConnectionFactory(https);
            // ALPN names, not the factories' protocol names: "HTTP/1.1" never matched a client that
            // offered only "http/1.1" (Python, many SDKs), and its handshake was reset.
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(ALPN_H2, ALPN_HTTP_1_1);
            alpn.setDefaultProtocol(http1.getProtocol());
            tls = new SslConnectionFactory(ssl, alpn.getProtocol());
            factories = new ConnectionFactory[] {tls, alpn, http2, http1};
        } else {
            tls = new SslConnectionFactory(ssl, http1.getProtocol());
            factories = new ConnectionFactory[] {tls, http1};
        }
        if (clientAuth == TlsSettings.ClientAuth.Mode.OPTIONAL) {
            // Some names may require a certificate that the engine only asks for.
            tls.addBean(trust.requiredCheck());
        }
        ServerConnector connector = new ServerConnector(server, factories);
        connector.setName(CONNECTOR);
        connector.setHost(host);
        connector.setPort(settings.port());
        TlsTermination termination = new TlsTermination(settings, keys, trust, connector, registry, scheduler);
        termination.fingerprint = fingerprint(settings);
        termination.recordExpiries(store);
        return termination;
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
            current = fingerprint(settings);
            if (current.equals(fingerprint) || current.equals(failedFingerprint)) {
                return false;
            }
            KeyStore store = CertificateStore.load(settings.certificates());
            if (trust != null) {
                trust.load(settings);
            }
            keys.load(store, CertificateStore.PASSWORD.toCharArray(), settings.certificates().stream().map(CertificateStore::alias).toList());
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

    /** The certificate files and the CA and CRL files of every certificate's client authentication. */
    private static String fingerprint(TlsSettings settings) throws IOException {
        return CertificateStore.fingerprint(settings.certificates(), SniClientTrust.files(settings));
    }

    /**
     * Sets what the JDK reads once per process, before its first TLS context: OCSP stapling
     * ({@code jdk.tls.stapling.enable}, read when the JDK's SSLContext implementation loads).
     * Called before the gateway starts its upstream clients, which are the first TLS users.
     */
    static void prepareJdk(TlsSettings settings) {
        if (settings.enabled() && settings.ocspStapling()) {
            System.setProperty("jdk.tls.stapling.enable", "true");
        }
    }

    /**
     * Jetty's factory with the profile's named groups (Jetty sets protocols and suites, not
     * groups) and, per connection, the recorder of the client's SNI name that the key manager reads.
     */
    private static final class ProfiledSslContextFactory extends SslContextFactory.Server {

        @Override
        public SSLParameters customize(SSLParameters parameters) {
            super.customize(parameters);
            parameters.setNamedGroups(TlsProfiles.NAMED_GROUPS.toArray(String[]::new));
            parameters.setSNIMatchers(List.of(new ReloadableKeyManager.SniRecorder()));
            return parameters;
        }
    }

    private void recordExpiries(KeyStore store) throws Exception {
        for (Map.Entry<String, Long> entry : CertificateStore.expiries(store, settings.certificates()).entrySet()) {
            expiry.labelValues(entry.getKey()).set(entry.getValue());
        }
    }
}
