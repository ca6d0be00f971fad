package io.nexus.gateway.auth;

import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.JwkSet;
import io.jsonwebtoken.security.Jwks;
import io.jsonwebtoken.security.PrivateJwk;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The verification keys of one JWT provider, immutable. Each key belongs to one algorithm
 * family (RSA keys verify only RS*, EC keys only ES*, secrets only HS*), which is what keeps a
 * token from choosing how its own signature is checked (HS256 "signed" with an RSA public key).
 */
record JwtKeys(List<Entry> entries) {

    /**
     * One key.
     *
     * @param id the JWK {@code kid}, {@code null} for keys from the config
     * @param algorithm the JWK's {@code alg}, {@code null} when it does not pin one
     */
    record Entry(String id, String family, String algorithm, Key key) {
    }

    JwtKeys {
        entries = List.copyOf(entries);
    }

    /** The key for a token's {@code alg} and {@code kid}, or {@code null}. */
    Key find(String algorithm, String keyId) {
        String family = algorithm.substring(0, 2);
        Key fallback = null;
        for (Entry entry : entries) {
            if (!entry.family().equals(family) || (entry.algorithm() != null && !entry.algorithm().equals(algorithm))) {
                continue;
            }
            if (keyId != null && keyId.equals(entry.id())) {
                return entry.key();
            }
            if (fallback == null && (keyId == null || entry.id() == null)) {
                fallback = entry.key();
            }
        }
        return fallback;
    }

    /** PEM public keys and the HMAC secret of the config, plus the keys of JWKS documents ({@code null}s skipped). */
    static JwtKeys of(List<String> pemPublicKeys, String hmacSecret, List<String> jwksDocuments) {
        List<Entry> entries = new ArrayList<>();
        for (String pem : pemPublicKeys) {
            PublicKey key = publicKey(pem);
            entries.add(new Entry(null, family(key), null, key));
        }
        if (hmacSecret != null) {
            entries.add(new Entry(null, "HS", null, new SecretKeySpec(hmacSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256")));
        }
        for (String jwks : jwksDocuments) {
            if (jwks == null) {
                continue;
            }
            // Keys of unsupported types are skipped (a shared JWKS may hold some); none left is an error.
            JwkSet set = Jwks.setParser().build().parse(jwks);
            if (set.getKeys().isEmpty()) {
                throw new IllegalArgumentException("the JWKS document has no usable key");
            }
            for (Jwk<?> jwk : set.getKeys()) {
                // A private JWK published by mistake still only verifies with its public half.
                Key key = jwk instanceof PrivateJwk<?, ?, ?> privateJwk ? privateJwk.toPublicJwk().toKey() : jwk.toKey();
                entries.add(new Entry(jwk.getId(), family(key), jwk.getAlgorithm(), key));
            }
        }
        return new JwtKeys(entries);
    }

    private static String family(Key key) {
        if (key instanceof RSAPublicKey) {
            return "RS";
        }
        if (key instanceof ECPublicKey) {
            return "ES";
        }
        if (key instanceof SecretKey) {
            return "HS";
        }
        throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm() + " (RSA, EC or an HMAC secret)");
    }

    static PublicKey publicKey(String pem) {
        String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(base64);
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (Exception e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("not a PEM RSA or EC public key (-----BEGIN PUBLIC KEY-----)");
    }
}
