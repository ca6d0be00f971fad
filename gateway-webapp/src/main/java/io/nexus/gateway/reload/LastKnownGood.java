package io.nexus.gateway.reload;

import io.nexus.gateway.config.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local copy of the last config that was applied from a config file, so that a restart while
 * that file is broken can start on it. The copy is keyed to the file it was saved from: its first
 * line names that file, and a gateway reading another file never starts on it. It lives in a
 * private directory by default ({@code $XDG_STATE_HOME/nexus}, else
 * {@code ~/.local/state/nexus}, created 0700, one copy per config file), is written atomically
 * (temp file, then rename) and readable by the owner only: it holds the config as written,
 * secrets included. A copy or directory that another user owns, that group or others can
 * write, or that is a symbolic link is neither read nor written, and the log says why: whoever
 * can plant the copy chooses the admin token of the next start.
 */
public final class LastKnownGood {

    /** Names the copy's path (one file, whatever the config file); {@code off} disables it. */
    public static final String ENVIRONMENT_VARIABLE = "NEXUS_LAST_KNOWN_GOOD";
    /** The first line of a copy, followed by the absolute path of the config file it was saved from. */
    static final String SOURCE_LINE = "# nexus last-known-good copy of ";

    private static final Logger LOG = LoggerFactory.getLogger(LastKnownGood.class);
    /** Checked in this order, so that the log names the widest access first. */
    private static final List<PosixFilePermission> WRITABLE_BY_OTHERS =
        List.of(PosixFilePermission.OTHERS_WRITE, PosixFilePermission.GROUP_WRITE);

    /** The one file named by the setting, or {@code null} for one file per config in {@link #directory}. */
    private final Path file;
    private final Path directory;

    private LastKnownGood(Path file, Path directory) {
        this.file = file;
        this.directory = directory;
    }

    public static LastKnownGood at(Path file) {
        return new LastKnownGood(file, file.toAbsolutePath().getParent());
    }

    /** One copy per config file in {@code directory}, named after the hash of the config file's path. */
    public static LastKnownGood inDirectory(Path directory) {
        return new LastKnownGood(null, directory.toAbsolutePath());
    }

    public static LastKnownGood disabled() {
        return new LastKnownGood(null, null);
    }

    /** From a setting: a file, {@code off}, or nothing for the private {@link #defaultDirectory()}. */
    public static LastKnownGood fromSetting(String setting) {
        if (setting == null || setting.isBlank()) {
            return inDirectory(defaultDirectory());
        }
        return setting.equalsIgnoreCase("off") ? disabled() : at(Path.of(setting));
    }

    /** {@code $XDG_STATE_HOME/nexus}, else {@code ~/.local/state/nexus}: the user's own, never a shared {@code /tmp}. */
    static Path defaultDirectory() {
        String state = System.getenv("XDG_STATE_HOME");
        Path base = state != null && !state.isBlank() && Path.of(state).isAbsolute()
            ? Path.of(state) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("nexus");
    }

    /** Where the copy of {@code configFile} is, unless disabled. */
    public Optional<Path> fileFor(Path configFile) {
        if (directory == null) {
            return Optional.empty();
        }
        if (file != null) {
            return Optional.of(file);
        }
        return Optional.of(directory.resolve("last-known-good-" + Sha256.hex(source(configFile)).substring(0, 16) + ".conf"));
    }

    /** Saves the text applied from {@code configFile}; a failure is logged, never thrown: the copy is a fallback, not a duty. */
    void save(Path configFile, String text) {
        Optional<Path> target = fileFor(configFile);
        if (target.isEmpty()) {
            return;
        }
        Path copy = target.get();
        String source = source(configFile);
        if (source.indexOf('\n') >= 0 || source.indexOf('\r') >= 0) {
            LOG.warn("Not saving a last-known-good copy: the config file's path {} has a line break", configFile);
            return;
        }
        try {
            if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
                createPrivateDirectories(directory);
            }
            String unsafe = unsafe(directory, true);
            if (unsafe == null && Files.exists(copy, LinkOption.NOFOLLOW_LINKS)) {
                unsafe = unsafe(copy, false);
            }
            if (unsafe != null) {
                LOG.warn("Not saving the last-known-good copy {}: {}", copy, unsafe);
                return;
            }
            Path temp = Files.createTempFile(directory, ".last-known-good", ".tmp");
            try {
                trySetOwnerOnly(temp);
                Files.writeString(temp, SOURCE_LINE + source + "\n" + text, StandardCharsets.UTF_8);
                try {
                    Files.move(temp, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, copy, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not save the last-known-good config to {}: {}", copy, e.toString());
        }
    }

    /**
     * The text saved from {@code configFile}, if there is a copy this process may trust: in a
     * directory and a file of its own user that nobody else can write, saved from that file.
     */
    public Optional<String> load(Path configFile) {
        Optional<Path> target = fileFor(configFile);
        if (target.isEmpty() || !Files.exists(target.get(), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        Path copy = target.get();
        try {
            String unsafe = unsafe(directory, true);
            if (unsafe == null) {
                unsafe = unsafe(copy, false);
            }
            if (unsafe != null) {
                LOG.warn("Not using the last-known-good copy {}: {}", copy, unsafe);
                return Optional.empty();
            }
            String saved = Files.readString(copy, StandardCharsets.UTF_8);
            int end = saved.indexOf('\n');
            String firstLine = end < 0 ? saved : saved.substring(0, end);
            String expected = source(configFile);
            if (!firstLine.startsWith(SOURCE_LINE)) {
                LOG.warn("Not using the last-known-good copy {}: it does not name the config file it was saved from (expected {})", copy, expected);
                return Optional.empty();
            }
            String savedFrom = firstLine.substring(SOURCE_LINE.length());
            if (!savedFrom.equals(expected)) {
                LOG.warn("Not using the last-known-good copy {}: it was saved from {}, not from {}", copy, savedFrom, expected);
                return Optional.empty();
            }
            return Optional.of(saved.substring(end + 1));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not read the last-known-good config {}: {}", copy, e.toString());
            return Optional.empty();
        }
    }

    /** Why a path may not be trusted, or {@code null}; never follows a link. */
    private static String unsafe(Path path, boolean directory) throws IOException {
        if (Files.isSymbolicLink(path)) {
            return "it is a symbolic link";
        }
        if (directory ? !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) : !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            return directory ? "its directory is not a directory" : "it is not a regular file";
        }
        if (!Files.getFileStore(path).supportsFileAttributeView("unix")) {
            return null; // Not a POSIX file system: nothing to compare with.
        }
        int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        long self = new com.sun.security.auth.module.UnixSystem().getUid();
        String what = directory ? "its directory " + path : "it";
        if (owner != self) {
            return what + " is owned by uid " + owner + ", not by this process's uid " + self;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
        for (PosixFilePermission permission : WRITABLE_BY_OTHERS) {
            if (permissions.contains(permission)) {
                return what + " can be written by " + (permission == PosixFilePermission.GROUP_WRITE ? "its group" : "other users")
                    + " (" + PosixFilePermissions.toString(permissions) + ")";
            }
        }
        return null;
    }

    private static void createPrivateDirectories(Path directory) throws IOException {
        try {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(directory);
        }
    }

    private static String source(Path configFile) {
        return configFile.toAbsolutePath().normalize().toString();
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
        return directory == null ? "off" : file != null ? file.toString() : directory + "/last-known-good-<config hash>.conf";
    }
}
