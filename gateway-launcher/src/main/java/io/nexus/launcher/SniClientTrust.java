package io.nexus.launcher;

import io.nexus.gateway.config.TlsSettings;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;

/**
 * Client certificate verification per served certificate: a certificate entry's own
 * {@code client-auth}, or else the port's. The one {@code SSLContext} has one trust manager, so
 * this one picks, in each handshake, the CA (and CRL) of the certificate the client's SNI name
 * gets ({@link ReloadableKeyManager#certificateName}: no SNI, the default certificate's). A
 * certificate sent for a name whose mode is {@code none} is refused: nothing could verify it,
 * and an unverified certificate must never reach a {@code client-cert} route or
 * {@code X-Forwarded-Client-Cert}.
 *
 * <p>The engine asks for certificates ({@code want}) when any name does; the JDK then completes a
 * handshake without one, so {@link #requiredCheck()} fails the connection of a name whose mode is
 * {@code required} when the handshake ends without a verified certificate. When every name
 * requires one, the engine demands it itself ({@code need}, {@link #engineMode}).
 *
 * <p>The settings per name are swapped whole on a reload, as {@link ClientCaTrust} swaps its CA.
 */
final class SniClientTrust extends ClientOnlyTrustManager {

    /** A name's mode with its verifier ({@code null} for {@code none}). */
    private record NameTrust(TlsSettings.ClientAuth.Mode mode, ClientCaTrust trust) {
    }

    private record ByName(Map<String, NameTrust> names, X509Certificate[] issuers) {
    }

    private final ReloadableKeyManager keys;
    private volatile ByName current;

    SniClientTrust(ReloadableKeyManager keys) {
        this.keys = keys;
    }

    /** Whether any certificate, by its own {@code client-auth} or the port's, asks for client certificates. */
    static boolean needed(TlsSettings settings) {
        return modes(settings).stream().anyMatch(mode -> mode != TlsSettings.ClientAuth.Mode.NONE);
    }

    /** What the engine asks for: {@code REQUIRED} only when every name requires a certificate, else {@code OPTIONAL} when any asks. */
    static TlsSettings.ClientAuth.Mode engineMode(TlsSettings settings) {
        Set<TlsSettings.ClientAuth.Mode> modes = modes(settings);
        if (modes.equals(Set.of(TlsSettings.ClientAuth.Mode.REQUIRED))) {
            return TlsSettings.ClientAuth.Mode.REQUIRED;
        }
        return needed(settings) ? TlsSettings.ClientAuth.Mode.OPTIONAL : TlsSettings.ClientAuth.Mode.NONE;
    }

    private static Set<TlsSettings.ClientAuth.Mode> modes(TlsSettings settings) {
        Set<TlsSettings.ClientAuth.Mode> modes = new LinkedHashSet<>();
        settings.certificates().forEach(certificate -> modes.add(settings.clientAuth(certificate).mode()));
        return modes;
    }

    /** The CA and CRL files of every name that asks for certificates (their change reloads them). */
    static List<Path> files(TlsSettings settings) {
        return settings.certificates().stream().map(settings::clientAuth).distinct()
            .filter(auth -> auth.mode() != TlsSettings.ClientAuth.Mode.NONE).flatMap(auth -> auth.files().stream()).distinct().toList();
    }

    /** Reads every name's CA files (once per distinct {@code client-auth}); on a failure the previous ones stay in use. */
    void load(TlsSettings settings) throws IOException, GeneralSecurityException {
        Map<TlsSettings.ClientAuth, ClientCaTrust> loaded = new HashMap<>();
        Map<String, NameTrust> names = new HashMap<>();
        Set<X509Certificate> issuers = new LinkedHashSet<>();
        for (TlsSettings.Certificate certificate : settings.certificates()) {
            TlsSettings.ClientAuth auth = settings.clientAuth(certificate);
            ClientCaTrust trust = null;
            if (auth.mode() != TlsSettings.ClientAuth.Mode.NONE) {
                trust = loaded.get(auth);
                if (trust == null) {
                    trust = new ClientCaTrust();
                    trust.load(auth);
                    loaded.put(auth, trust);
                    issuers.addAll(Arrays.asList(trust.getAcceptedIssuers()));
                }
            }
            names.put(certificate.name(), new NameTrust(auth.mode(), trust));
        }
        current = new ByName(Map.copyOf(names), issuers.toArray(X509Certificate[]::new));
    }

    private NameTrust forHandshake(SSLParameters parameters, SSLSession session) {
        String name = keys.certificateName(ReloadableKeyManager.sniHost(parameters, session));
        NameTrust trust = name == null ? null : current.names().get(name);
        return trust != null ? trust : new NameTrust(TlsSettings.ClientAuth.Mode.NONE, null);
    }

    private static ClientCaTrust verifier(NameTrust trust) throws CertificateException {
        if (trust.trust() == null) {
            throw new CertificateException("this server name takes no client certificate (client-auth mode none)");
        }
        return trust.trust();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verifier(forHandshake(engine.getSSLParameters(), engine.getHandshakeSession())).checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        NameTrust trust = socket instanceof SSLSocket ssl ? forHandshake(ssl.getSSLParameters(), ssl.getHandshakeSession())
            : forHandshake(new SSLParameters(), null);
        verifier(trust).checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verifier(forHandshake(new SSLParameters(), null)).checkClientTrusted(chain, authType);
    }

    /**
     * The CAs of every name, in the one certificate request the JDK builds without knowing the
     * handshake: a client may pick a certificate of another name's CA, which the chosen name's
     * verification then refuses.
     */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return current.issuers().clone();
    }

    /**
     * Fails a finished handshake whose name requires a client certificate and got none (Jetty
     * closes the connection before reading a request from it). A certificate that was sent has
     * been verified by then, by {@link #checkClientTrusted}.
     */
    SslHandshakeListener requiredCheck() {
        return new SslHandshakeListener() {
            @Override
            public void handshakeSucceeded(Event event) throws SSLException {
                SSLEngine engine = event.getSSLEngine();
                SSLSession session = engine.getSession();
                if (forHandshake(engine.getSSLParameters(), session).mode() != TlsSettings.ClientAuth.Mode.REQUIRED) {
                    return;
                }
                try {
                    session.getPeerCertificates();
                } catch (SSLPeerUnverifiedException e) {
                    throw new SSLHandshakeException("a client certificate is required for this server name");
                }
            }
        };
    }
}
