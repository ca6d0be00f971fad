package io.nexus.gateway.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;

/**
 * A config's HOCON text and where it comes from, parsed at most once for two readers at
 * start-up: {@code nexus.plugins.dir} is read from the parse before the file can be validated
 * (its routes may name the plugins' middlewares), and the validation takes the same parse
 * instead of parsing the text again (a fifth of a start-up with 10,000 routes). The parse is
 * handed over, not kept: nothing holds the parse tree once the config is built. For one thread.
 */
public final class ConfigText {

    private final String text;
    private final String sourceName;
    private Config parsed;

    private ConfigText(String text, String sourceName) {
        this.text = text;
        this.sourceName = sourceName;
    }

    /** @param sourceName stands for the file in errors */
    public static ConfigText of(String text, String sourceName) {
        return new ConfigText(text, sourceName);
    }

    public String text() {
        return text;
    }

    public String sourceName() {
        return sourceName;
    }

    /**
     * The parse, kept for the next {@link #take()}.
     *
     * @throws com.typesafe.config.ConfigException when the text is not valid HOCON
     */
    Config peek() {
        if (parsed == null) {
            parsed = parse();
        }
        return parsed;
    }

    /** The parse {@link #peek()} kept, no longer kept; a new parse when there is none. */
    Config take() {
        Config taken = parsed != null ? parsed : parse();
        parsed = null;
        return taken;
    }

    /** A new parse of the text. */
    Config parse() {
        return ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setOriginDescription(sourceName));
    }
}
