package io.nexus.gateway.export;

import java.util.List;

/**
 * What an export produced: the other data plane's configuration and the gaps, in config order.
 *
 * @param text an nginx {@code http {}} block, or an Envoy bootstrap in YAML
 */
public record Exported(String text, List<Gap> gaps) {

    public Exported {
        gaps = List.copyOf(gaps);
    }
}
