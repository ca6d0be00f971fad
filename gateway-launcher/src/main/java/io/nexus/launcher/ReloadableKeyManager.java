package io.nexus.launcher;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;
import org.eclipse.jetty.util.ssl.X509;

/**
 * The server's certificates, swapped whole on a reload while the {@code SSLContext} stays: the
 * context holds the session cache and the session ticket keys, so a client resumes its session
 * across a certificate rotation instead of paying a full handshake (a new context, what Jetty's
 * {@code SslContextFactory.reload} builds, forgets both). SNI picks the certificate whose names
 * match (Jetty's {@link X509#matches}, exact names before wildcards); a client that names no
 * known host gets the first one.
 *
 * <p>An alias carries the generation of the certificate set it came from: the JDK asks for the
 * chain and the key by alias in two calls, and a reload between them must not pair one set's
 * chain with the other's key. The previous set stays readable for that moment.
 */
final class ReloadableKeyManager extends X509ExtendedKeyManager {

    private record Entry(String name, PrivateKey key, X509Certificate[] chain, X509 x509) {
    }

    private record Keys(long generation, List<Entry> entries) {

        Entry get(String name) {
            for (Entry entry : entries) {
                if (entry.name().equals(name)) {
                    return entry;
                }
            }
            return null;
        }
    }

    private volatile Keys current = new Keys(0, List.of());
    private volatile Keys previous;

    /** Makes the keystore's entries the ones served, in the order of {@code aliases} (the first is the default). */
    synchronized void load(KeyStore store, char[] password, List<String> aliases) throws GeneralSecurityException {
        List<Entry> entries = new ArrayList<>();
        for (String alias : aliases) {
            Certificate[] chain = store.getCertificateChain(alias);
            X509Certificate[] x509Chain = Arrays.copyOf(chain, chain.length, X509Certificate[].class);
            entries.add(new Entry(alias, (PrivateKey) store.getKey(alias, password), x509Chain, new X509(alias, x509Chain[0])));
        }
        Keys next = new Keys(current.generation() + 1, List.copyOf(entries));
        previous = current;
        current = next;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType, engine == null ? null : sniHost(engine.getSSLParameters(), engine.getHandshakeSession()));
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(keyType, socket instanceof SSLSocket ssl ? sniHost(ssl.getSSLParameters(), ssl.getHandshakeSession()) : null);
    }

    private String choose(String keyType, String host) {
        Keys keys = current;
        Entry entry = choose(keys, keyType, host);
        return entry == null ? null : keys.generation() + ":" + entry.name();
    }

    /**
     * The name of the certificate a handshake for {@code host} gets (of any key type: the first
     * listed when an RSA and an EC certificate share the name), what per-certificate client
     * authentication follows.
     */
    String certificateName(String host) {
        Entry entry = choose(current, null, host);
        return entry == null ? null : entry.name();
    }

    private static Entry choose(Keys keys, String keyType, String host) {
        Entry chosen = null;
        Entry fallback = null;
        for (Entry entry : keys.entries()) {
            if (keyType != null && !fits(entry, keyType)) {
                continue;
            }
            if (fallback == null) {
                fallback = entry;
            }
            // An exact name wins over a wildcard (what Jetty's own SNI selection prefers).
            if (host != null && entry.x509().matches(host) && (chosen == null || entry.x509().getWilds().size() < chosen.x509().getWilds().size())) {
                chosen = entry;
            }
        }
        return chosen != null ? chosen : fallback;
    }

    /** The JDK asks per key type (RSA, EC, RSASSA-PSS; TLS 1.2's EC_RSA style names start with the key's). */
    private static boolean fits(Entry entry, String keyType) {
        int underscore = keyType.indexOf('_');
        String algorithm = underscore < 0 ? keyType : keyType.substring(0, underscore);
        return entry.key().getAlgorithm().equals(algorithm);
    }

    /**
     * The SNI name of the handshake. The handshake session holds it for a full handshake, but
     * the JDK also asks for the certificate while it checks a session ticket, before that
     * session exists (and refuses the ticket when the certificate differs from the one in it):
     * the {@link SniRecorder} the connection's parameters carry saw the name by then.
     */
    static String sniHost(SSLParameters parameters, SSLSession handshake) {
        for (SNIMatcher matcher : parameters.getSNIMatchers()) {
            if (matcher instanceof SniRecorder recorder && recorder.host != null) {
                return recorder.host;
            }
        }
        if (handshake instanceof ExtendedSSLSession extended) {
            for (SNIServerName name : extended.getRequestedServerNames()) {
                if (name instanceof SNIHostName hostName) {
                    return hostName.getAsciiName().toLowerCase(Locale.ROOT);
                }
            }
        }
        return null;
    }

    private Entry entry(String alias) {
        if (alias == null) {
            return null;
        }
        int colon = alias.indexOf(':');
        if (colon < 0) {
            return null;
        }
        long generation = Long.parseLong(alias, 0, colon, 10);
        Keys keys = current;
        if (keys.generation() != generation) {
            keys = previous;
        }
        return keys == null || keys.generation() != generation ? null : keys.get(alias.substring(colon + 1));
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Entry entry = entry(alias);
        return entry == null ? null : entry.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Entry entry = entry(alias);
        return entry == null ? null : entry.key();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        Keys keys = current;
        return keys.entries().stream().filter(entry -> fits(entry, keyType)).map(entry -> keys.generation() + ":" + entry.name())
            .toArray(String[]::new);
    }

    /** A server has no client certificate of its own. */
    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    /**
     * Remembers the SNI host name a client sent (one per connection: set into each engine's
     * parameters), accepting every name: the certificate choice decides what a name gets.
     */
    static final class SniRecorder extends SNIMatcher {

        private volatile String host;

        SniRecorder() {
            super(StandardConstants.SNI_HOST_NAME);
        }

        @Override
        public boolean matches(SNIServerName serverName) {
            if (serverName instanceof SNIHostName name) {
                host = name.getAsciiName().toLowerCase(Locale.ROOT);
            }
            return true;
        }
    }
}
