package io.nexus.gateway.auth;

import io.nexus.gateway.config.AuthSettings;
import io.nexus.gateway.config.Sha256;
import jakarta.servlet.http.HttpServletRequest;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * API keys from a header (or a query parameter, when configured), checked against SHA-256
 * hashes. The presented key is hashed first and then compared with every stored hash in
 * constant time, without stopping at a match: neither the key nor which entry matched shows in
 * the timing.
 */
final class ApiKeyAuthenticator implements Authenticator {

    static final String KEY_ID_HEADER = "X-Auth-Key-Id";

    private final AuthSettings.ApiKey settings;
    private final byte[][] hashes;
    private final String[] ids;
    private final String challenge;

    ApiKeyAuthenticator(AuthSettings.ApiKey settings) {
        this.settings = settings;
        List<AuthSettings.ApiKey.Key> keys = settings.keys();
        this.hashes = new byte[keys.size()][];
        this.ids = new String[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            hashes[i] = HexFormat.of().parseHex(keys.get(i).sha256());
            ids[i] = keys.get(i).id();
        }
        // Not a registered scheme; names the header so that a client knows what to send.
        this.challenge = "ApiKey realm=\"" + settings.name() + "\", header=\"" + settings.header() + "\"";
    }

    @Override
    public Result authenticate(HttpServletRequest request) {
        String key = request.getHeader(settings.header());
        String queryParameter = null;
        if (key == null && settings.queryParameter().isPresent()) {
            queryParameter = settings.queryParameter().get();
            key = QueryParameters.first(request.getQueryString(), queryParameter);
        }
        if (key == null || key.isEmpty()) {
            return new Rejected(false, "missing_credentials", "an API key is required", challenge);
        }
        byte[] presented = Sha256.of(key);
        int match = -1;
        for (int i = 0; i < hashes.length; i++) {
            if (MessageDigest.isEqual(presented, hashes[i]) && match < 0) {
                match = i;
            }
        }
        if (match < 0) {
            return new Rejected(false, "invalid_api_key", "the API key is not valid", challenge);
        }
        return new Authenticated(Map.of(KEY_ID_HEADER, ids[match], AuthHeaders.PROVIDER, settings.name()),
            settings.forwardCredential() ? null : settings.header(),
            settings.forwardCredential() ? null : queryParameter);
    }
}
