package io.nexus.gateway.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * SHA-256, the one digest of the gateway: config versions, API key hashes and certificate file
 * fingerprints. Here, the lowest package, so that every user can import it.
 */
public final class Sha256 {

    private Sha256() {
    }

    /** A new SHA-256 digest, for content fed in parts. */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The SHA-256 of a text's UTF-8 bytes. */
    public static byte[] of(String text) {
        return digest().digest(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The SHA-256 of a text's UTF-8 bytes as 64 lower-case hex digits. */
    public static String hex(String text) {
        return HexFormat.of().formatHex(of(text));
    }

    /** The hex SHA-256 over the content of the files, in order (a certificate set's fingerprint: a change is noticed, also a symlink swap that keeps modification times). */
    public static String ofFiles(List<Path> files) throws IOException {
        MessageDigest digest = digest();
        for (Path file : files) {
            digest.update(Files.readAllBytes(file));
            digest.update((byte) 0);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
