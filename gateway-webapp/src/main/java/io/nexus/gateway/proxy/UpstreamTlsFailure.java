package io.nexus.gateway.proxy;

import io.nexus.gateway.error.GatewayError;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Which check failed when TLS to a target did: its certificate names another host, no trusted
 * CA signed it, it refused the gateway's client certificate (or wanted one), or the handshake
 * failed otherwise (protocols, ciphers, a plain-text port). Each is a 502 with a cause of its
 * own, so that an operator sees which setting of {@code upstreams.NAME.tls} to look at.
 */
final class UpstreamTlsFailure {

    static final String CAUSE_PREFIX = "upstream_tls_";

    private UpstreamTlsFailure() {
    }

    /** The failure's classification, or {@code null} when TLS did not fail. */
    static ExchangeFailure classify(Throwable failure) {
        SSLException tls = null;
        for (Throwable cause = failure; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            if (cause instanceof SSLException ssl) {
                tls = ssl;
            }
            if (cause instanceof CertificateException certificate && isHostnameCheck(certificate)) {
                return failed("upstream_tls_hostname_mismatch", "the target's certificate does not name its host (verify-hostname): "
                    + certificate.getMessage());
            }
            if (cause instanceof CertPathBuilderException || cause instanceof CertPathValidatorException) {
                return failed("upstream_tls_untrusted_certificate", "no trusted CA signed the target's certificate (ca-file): "
                    + cause.getMessage());
            }
        }
        if (tls == null) {
            return null;
        }
        String message = String.valueOf(tls.getMessage()).toLowerCase(Locale.ROOT);
        if (message.contains("certificate_required") || message.contains("bad_certificate") || message.contains("unknown_ca")
            || message.contains("certificate_unknown") || message.contains("access_denied")) {
            return failed("upstream_tls_client_certificate_rejected",
                "the target refused the gateway's client certificate (certificate, private-key): " + tls.getMessage());
        }
        return failed("upstream_tls_handshake_failed", "TLS with the target failed: " + tls.getMessage());
    }

    private static boolean isHostnameCheck(CertificateException certificate) {
        String message = String.valueOf(certificate.getMessage());
        return message.startsWith("No subject alternative") || message.startsWith("No name matching");
    }

    private static ExchangeFailure failed(String cause, String message) {
        return new ExchangeFailure(ExchangeFailure.Blame.UPSTREAM, GatewayError.BAD_GATEWAY, cause, message);
    }
}
