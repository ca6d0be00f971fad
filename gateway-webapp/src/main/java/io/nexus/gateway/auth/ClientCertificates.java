package io.nexus.gateway.auth;

import io.nexus.gateway.config.Sha256;
import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.eclipse.jetty.http.HttpFields;

/**
 * The client certificate the TLS handshake verified, as the servlet container exposes it
 * ({@code jakarta.servlet.request.X509Certificate}, set by the launcher's TLS connector and by a
 * Jetty installation's own), and its {@code X-Forwarded-Client-Cert} header in Envoy's format:
 * {@code Hash=<sha256 of the DER, hex>;Subject="<RFC 4514 DN>";URI=<URI SAN>} (one {@code URI}
 * pair per URI SAN). The gateway never forwards a client's own copy of the header (see
 * {@link AuthHeaders#apply}): only the one written here from a verified handshake reaches an
 * upstream.
 */
public final class ClientCertificates {

    /** The header upstreams read the verified client certificate from. */
    public static final String HEADER = "X-Forwarded-Client-Cert";
    private static final String ATTRIBUTE = "jakarta.servlet.request.X509Certificate";
    private static final int SAN_URI = 6;
    private static final int SAN_DNS = 2;
    private static final int SAN_EMAIL = 1;
    private static final int SAN_IP = 7;

    private ClientCertificates() {
    }

    /** The verified client certificate of the request's connection, {@code null} without one. */
    static X509Certificate of(HttpServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof X509Certificate[] chain && chain.length > 0 ? chain[0] : null;
    }

    /** Sets {@code X-Forwarded-Client-Cert} on the upstream request when the client's connection carries a verified certificate. */
    public static void forward(HttpServletRequest clientRequest, HttpFields.Mutable headers) {
        X509Certificate certificate = of(clientRequest);
        if (certificate != null) {
            headers.put(HEADER, xfcc(certificate));
        }
    }

    static String xfcc(X509Certificate certificate) {
        StringBuilder value = new StringBuilder(160);
        try {
            value.append("Hash=").append(HexFormat.of().formatHex(Sha256.digest().digest(certificate.getEncoded())));
        } catch (CertificateEncodingException e) {
            // The JDK decoded it from these very bytes during the handshake.
            throw new IllegalStateException(e);
        }
        // Envoy always quotes Subject; a quote or backslash inside is escaped.
        value.append(";Subject=\"").append(subject(certificate).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        for (String uri : sans(certificate, SAN_URI)) {
            value.append(";URI=").append(uri);
        }
        return value.toString();
    }

    /** The subject as an RFC 4514 string ({@code CN=billing,O=Example}). */
    static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName(X500Principal.RFC2253);
    }

    /** Every URI, DNS, e-mail and IP address subject alternative name. */
    static List<String> sans(X509Certificate certificate) {
        return sans(certificate, SAN_URI, SAN_DNS, SAN_EMAIL, SAN_IP);
    }

    private static List<String> sans(X509Certificate certificate, int... types) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> all = certificate.getSubjectAlternativeNames();
            if (all == null) {
                return names;
            }
            for (List<?> name : all) {
                int type = (Integer) name.get(0);
                for (int wanted : types) {
                    if (type == wanted && name.get(1) instanceof String text) {
                        names.add(text);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // A SAN extension the JDK cannot parse names nothing a route can match.
            return List.of();
        }
        return names;
    }
}
