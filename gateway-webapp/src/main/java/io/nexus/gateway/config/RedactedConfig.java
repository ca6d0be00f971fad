package io.nexus.gateway.config;

import java.util.function.Supplier;

/**
 * A config's redacted HOCON rendering ({@link Redaction}), made when first asked for and then
 * kept. Rendering a large route table costs as much as parsing it, and only the admin API's
 * config, versions and diffs read it: start-up and reloads do not pay for it.
 */
public final class RedactedConfig {

    private Supplier<String> renderer;
    private String text;

    private RedactedConfig(Supplier<String> renderer, String text) {
        this.renderer = renderer;
        this.text = text;
    }

    /** Rendered on the first {@link #text()}; {@code renderer} must give the same text whenever it runs. */
    static RedactedConfig lazy(Supplier<String> renderer) {
        return new RedactedConfig(renderer, null);
    }

    static RedactedConfig of(String text) {
        return new RedactedConfig(null, text);
    }

    /** The effective configuration (defaults included) as HOCON, every secret replaced by {@code <redacted>}. */
    public synchronized String text() {
        if (text == null) {
            text = renderer.get();
            // What it held (the file's text, the environment) is not needed any more.
            renderer = null;
        }
        return text;
    }
}
