package io.nexus.gateway.config;

import java.util.Locale;

/** The HTTP version an upstream's client speaks to its targets ({@code protocol}). */
public enum UpstreamProtocol {
    /** HTTP/1.1 only, also to https targets. */
    HTTP1,
    /** HTTP/2 without TLS, by prior knowledge (RFC 9113 §3.3): the targets must speak it. */
    H2C,
    /** HTTP/2 over TLS, negotiated by ALPN ({@code h2} only): https targets. */
    H2,
    /** ALPN offers {@code h2} and {@code http/1.1} to https targets; http targets get HTTP/1.1. */
    AUTO;

    /** The name used in the config file, e.g. {@code h2c}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether requests are multiplexed on a connection (HTTP/2 may be negotiated). */
    public boolean multiplexes() {
        return this != HTTP1;
    }

    static UpstreamProtocol fromConfigName(String name) {
        for (UpstreamProtocol protocol : values()) {
            if (protocol.configName().equals(name)) {
                return protocol;
            }
        }
        return null;
    }
}
