package io.nexus.gateway.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** The admin API's token rule: no configured token refuses all; otherwise a constant-time compare. */
final class BearerToken {

    enum Verdict { ALLOWED, NO_TOKEN_CONFIGURED, MISSING_OR_WRONG }

    private static final String PREFIX = "Bearer ";

    private final byte[] expected;

    BearerToken(Optional<String> token) {
        this.expected = token.map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
    }

    Verdict check(String authorization) {
        if (expected == null) {
            return Verdict.NO_TOKEN_CONFIGURED;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return Verdict.MISSING_OR_WRONG;
        }
        byte[] given = authorization.substring(PREFIX.length()).trim().getBytes(StandardCharsets.UTF_8);
        // MessageDigest.isEqual takes the same time whatever the position of the first difference.
        return MessageDigest.isEqual(expected, given) ? Verdict.ALLOWED : Verdict.MISSING_OR_WRONG;
    }
}
