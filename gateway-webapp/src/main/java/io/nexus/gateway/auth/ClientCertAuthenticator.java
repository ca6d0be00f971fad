package io.nexus.gateway.auth;

import io.nexus.gateway.config.AuthSettings;
import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * A client certificate the TLS handshake verified against {@code server.tls.client-auth}'s CA
 * (the container checked the chain, its validity and the revocation list; nothing is checked
 * again here), matched against the provider's subjects and subject alternative names. No
 * certificate: 401 {@code missing_client_certificate}; one that matches neither list: 403
 * {@code client_certificate_not_allowed}. The subject (RFC 4514) is the identity's subject,
 * sent upstream as {@code X-Auth-Subject} and usable as the rate-limit key {@code subject}.
 */
final class ClientCertAuthenticator implements Authenticator {

    private final AuthSettings.ClientCert settings;
    private final List<X500Principal> subjects;
    private final Set<String> sans;
    private final String challenge;

    ClientCertAuthenticator(AuthSettings.ClientCert settings) {
        this.settings = settings;
        this.subjects = settings.subjects().stream().map(X500Principal::new).toList();
        this.sans = Set.copyOf(settings.sans());
        // No registered scheme for TLS client authentication; names the provider, as ApiKey does.
        this.challenge = "ClientCertificate realm=\"" + settings.name() + "\"";
    }

    @Override
    public Result authenticate(HttpServletRequest request) {
        X509Certificate certificate = ClientCertificates.of(request);
        if (certificate == null) {
            return new Rejected(false, "missing_client_certificate", "a client certificate is required", challenge);
        }
        String subject = ClientCertificates.subject(certificate);
        if (!allowed(certificate)) {
            return new Rejected(true, "client_certificate_not_allowed", "the client certificate " + subject + " is not allowed", challenge);
        }
        return new Authenticated(Map.of(AuthHeaders.SUBJECT, subject, AuthHeaders.PROVIDER, settings.name()), null, null);
    }

    private boolean allowed(X509Certificate certificate) {
        if (subjects.isEmpty() && sans.isEmpty()) {
            return true;
        }
        // X500Principal.equals compares canonical forms: case and spacing of the DN do not matter.
        if (subjects.contains(certificate.getSubjectX500Principal())) {
            return true;
        }
        return ClientCertificates.sans(certificate).stream().anyMatch(sans::contains);
    }
}
