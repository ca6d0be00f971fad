package io.nexus.gateway.reload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local copy of the last config that was applied, so that a restart while the mounted file
 * is broken can start on it. Written atomically (temp file, then rename) and readable by the
 * owner only: it holds the config as written, secrets included.
 */
public final class LastKnownGood {

    /** Names the copy's path; {@code off} disables it. */
    public static final String ENVIRONMENT_VARIABLE = "NEXUS_LAST_KNOWN_GOOD";
    public static final Path DEFAULT_PATH = Path.of("/tmp/nexus/last-known-good.conf");

    private static final Logger LOG = LoggerFactory.getLogger(LastKnownGood.class);

    private final Path file;

    private LastKnownGood(Path file) {
        this.file = file;
    }

    public static LastKnownGood at(Path file) {
        return new LastKnownGood(file);
    }

    public static LastKnownGood disabled() {
        return new LastKnownGood(null);
    }

    /** From a setting: a path, {@code off}, or nothing for {@link #DEFAULT_PATH}. */
    public static LastKnownGood fromSetting(String setting) {
        if (setting == null || setting.isBlank()) {
            return at(DEFAULT_PATH);
        }
        return setting.equalsIgnoreCase("off") ? disabled() : at(Path.of(setting));
    }

    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** Saves the text; a failure is logged, never thrown: the copy is a fallback, not a duty. */
    void save(String text) {
        if (file == null) {
            return;
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, ".last-known-good", ".tmp");
            try {
                trySetOwnerOnly(temp);
                Files.writeString(temp, text, StandardCharsets.UTF_8);
                try {
                    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not save the last-known-good config to {}: {}", file, e.toString());
        }
    }

    /** The saved text, if there is a copy. */
    public Optional<String> load() {
        if (file == null || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.warn("Could not read the last-known-good config {}: {}", file, e.toString());
            return Optional.empty();
        }
    }

    private static void trySetOwnerOnly(Path path) {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system: keep the platform's default permissions.
        }
    }

    @Override
    public String toString() {
        return file == null ? "off" : file.toString();
    }
}
