package io.nexus.gateway.reload;

import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.ConfigProblem;
import io.nexus.gateway.config.ConfigText;
import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.InvalidConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The config a gateway starts on, with the text and source its first version records.
 *
 * @param file the file that is watched and re-read later, if the config came from one
 */
public record InitialConfig(GatewayConfig config, String text, String source, Optional<Path> file) {

    private static final Logger LOG = LoggerFactory.getLogger(InitialConfig.class);

    /**
     * Reads a config file; when it is invalid (or unreadable) and a last-known-good copy saved
     * from this same file is valid and safe to trust ({@link LastKnownGood#load}), starts on the
     * copy instead, says so in the log, and keeps watching the file.
     *
     * @throws InvalidConfigException when the file is invalid and there is no usable copy
     */
    public static InitialConfig fromFile(Path file, ConfigLoader loader, LastKnownGood lastKnownGood) throws InvalidConfigException {
        String text;
        try {
            text = read(file);
        } catch (InvalidConfigException e) {
            return fromLastKnownGood(file, loader, lastKnownGood, e);
        }
        return fromFile(file, ConfigText.of(text, file.toString()), loader, lastKnownGood);
    }

    /**
     * Like {@link #fromFile(Path, ConfigLoader, LastKnownGood)}, for a file already read (and
     * maybe parsed, {@link ConfigLoader#pluginsDir(Optional, java.util.Map)}) as {@code text}.
     */
    public static InitialConfig fromFile(Path file, ConfigText text, ConfigLoader loader, LastKnownGood lastKnownGood)
        throws InvalidConfigException {
        try {
            return new InitialConfig(loader.parse(text), text.text(), ConfigPlane.SOURCE_FILE, Optional.of(file));
        } catch (InvalidConfigException e) {
            return fromLastKnownGood(file, loader, lastKnownGood, e);
        }
    }

    /** The file's text, or nothing when it cannot be read or is empty ({@link #fromFile} says why). */
    public static Optional<ConfigText> text(Path file) {
        try {
            return Optional.of(ConfigText.of(read(file), file.toString()));
        } catch (InvalidConfigException e) {
            return Optional.empty();
        }
    }

    private static InitialConfig fromLastKnownGood(Path file, ConfigLoader loader, LastKnownGood lastKnownGood,
                                                   InvalidConfigException fileProblem) throws InvalidConfigException {
        Optional<String> saved = lastKnownGood.load(file);
        if (saved.isEmpty()) {
            throw fileProblem;
        }
        try {
            String source = lastKnownGood.fileFor(file).orElseThrow().toString();
            GatewayConfig config = loader.parse(saved.get(), source);
            LOG.warn("STARTED ON THE LAST-KNOWN-GOOD CONFIG {} because {} is invalid: {}. Fix the file; it is watched and applied once valid.",
                source, file, fileProblem.getMessage());
            return new InitialConfig(config, saved.get(), ConfigPlane.SOURCE_LAST_KNOWN_GOOD, Optional.of(file));
        } catch (InvalidConfigException e) {
            LOG.warn("The last-known-good copy {} is invalid too: {}", lastKnownGood, e.getMessage());
            throw fileProblem;
        }
    }

    /** A config that is not read from a file (the bundled default, or text in tests); nothing is watched. */
    public static InitialConfig fromText(String text, String sourceName, String source, ConfigLoader loader) throws InvalidConfigException {
        return new InitialConfig(loader.parse(text, sourceName), text, source, Optional.empty());
    }

    static String read(Path file) throws InvalidConfigException {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (text.isBlank()) {
                // Never a deliberate config (that would be "nexus {}"): a file caught mid-write.
                throw new InvalidConfigException(List.of(new ConfigProblem("nexus", "config file is empty", file.toString(), -1)));
            }
            return text;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidConfigException(List.of(new ConfigProblem("nexus", "config file not found", file.toString(), -1)));
        } catch (IOException e) {
            throw new InvalidConfigException(List.of(new ConfigProblem("nexus", "config file not readable: " + e, file.toString(), -1)));
        }
    }
}
