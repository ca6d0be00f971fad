package io.nexus.examples.headerstamp;

import io.nexus.gateway.spi.MiddlewarePlugin;
import io.nexus.gateway.spi.PluginContext;
import io.nexus.gateway.spi.PluginSettings;
import jakarta.servlet.Filter;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code header-stamp}: sets a header with a fixed value on the request the upstream receives,
 * on the response the client receives, or both, and counts the stamped requests in
 * {@code nexus_plugin_events_total{middleware="header-stamp",route,event="stamped"}}.
 *
 * <pre>
 * middleware-settings.header-stamp {
 *   header = "X-Served-By"           # required: an HTTP token
 *   value = "edge-eu-1"              # required: visible ASCII and spaces
 *   on = [request, response]         # optional, default [response]
 * }
 * </pre>
 */
public final class HeaderStampPlugin implements MiddlewarePlugin<HeaderStampPlugin.Settings> {

    /** RFC 9110 §5.6.2: a header name is a token. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** RFC 9110 §5.5, without obs-text: no control characters, so no CR or LF either. */
    private static final Pattern VALUE = Pattern.compile("[\\x20-\\x7E]*");

    /** Where the header goes. */
    public enum Side { REQUEST, RESPONSE }

    /** The validated settings of one config version. */
    public record Settings(String header, String value, Set<Side> on) {
    }

    @Override
    public String name() {
        return "header-stamp";
    }

    @Override
    public int defaultPriority() {
        return 1000;
    }

    @Override
    public Settings settings(PluginSettings settings) {
        String header = settings.string("header");
        if (header != null && !TOKEN.matcher(header).matches()) {
            settings.problem("header", "must be an HTTP header name (RFC 9110 token), was \"" + header + "\"");
        }
        String value = settings.string("value");
        if (value != null && !VALUE.matcher(value).matches()) {
            settings.problem("value", "must be visible ASCII characters and spaces");
        }
        Set<Side> on = EnumSet.noneOf(Side.class);
        List<String> sides = settings.has("on") ? settings.stringList("on") : List.of("response");
        for (String side : sides) {
            try {
                on.add(Side.valueOf(side.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                settings.problem("on", "must list request and/or response, was \"" + side + "\"");
            }
        }
        if (settings.has("on") && sides.isEmpty()) {
            settings.problem("on", "must list request and/or response");
        }
        return new Settings(header, value, Set.copyOf(on));
    }

    @Override
    public Filter init(Settings settings, PluginContext context) {
        return new HeaderStampFilter(settings, context.counter("stamped"));
    }
}
