package io.nexus.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * How an upstream's client meets its https targets ({@code upstreams.NAME.tls}).
 *
 * @param caFile PEM certificates trusted for the targets; empty: the JDK's trust store
 * @param certificate PEM chain presented to the targets (mTLS), with {@code privateKey}
 * @param privateKey PEM key of that certificate
 * @param verifyHostname whether a target's certificate must name the target's host (RFC 9110 §4.3.4)
 * @param reloadInterval how often the files are checked for a change; zero: never
 */
public record UpstreamTlsSettings(Optional<Path> caFile, Optional<Path> certificate, Optional<Path> privateKey, boolean verifyHostname,
                                  Duration reloadInterval) {

    /** The files this TLS setup reads, in a stable order. */
    public List<Path> files() {
        return Stream.of(caFile, certificate, privateKey).flatMap(Optional::stream).toList();
    }
}
