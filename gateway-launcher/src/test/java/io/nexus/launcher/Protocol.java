package io.nexus.launcher;

/**
 * The protocols a client speaks to the gateway's public side. The gateway offers HTTP/2 only
 * through TLS (ALPN {@code h2}), so {@link #HTTP_2} goes to its TLS port; HTTP/1.1 goes to the
 * plain port.
 */
enum Protocol {
    HTTP_1_1("HTTP/1.1", "http"),
    HTTP_2("HTTP/2", "https");

    private final String displayName;
    private final String scheme;

    Protocol(String displayName, String scheme) {
        this.displayName = displayName;
        this.scheme = scheme;
    }

    /** The scheme the gateway sees, e.g. in {@code X-Forwarded-Proto}. */
    String scheme() {
        return scheme;
    }

    @Override
    public String toString() {
        return displayName;
    }
}
