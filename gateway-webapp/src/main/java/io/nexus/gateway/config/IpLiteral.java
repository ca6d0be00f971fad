package io.nexus.gateway.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IP literals and CIDRs as the config and the rate limiter read them, without ever looking a
 * name up: {@code InetAddress.getByName} and Jetty's {@code InetAddressSet} resolve anything that
 * is not a literal, and Java 21 has no literal-only parser ({@code InetAddress.ofLiteral} is 22+).
 */
public final class IpLiteral {

    /** Longer than any IPv6 literal, even one that ends in an IPv4 address. */
    private static final int MAX_LENGTH = 45;

    private IpLiteral() {
    }

    /**
     * The address of an IPv4 dotted quad or an IPv6 literal (bracketed or not), or {@code null}
     * for anything else, including zone ids ({@code %eth0}). An IPv4-mapped IPv6 literal gives
     * an IPv4 address.
     */
    public static InetAddress parse(String text) {
        String literal = text.length() > 2 && text.charAt(0) == '[' && text.charAt(text.length() - 1) == ']'
            ? text.substring(1, text.length() - 1) : text;
        if (literal.isEmpty() || literal.length() > MAX_LENGTH) {
            return null;
        }
        boolean v6 = literal.indexOf(':') >= 0;
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || c == '.' || (v6 && (c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
            if (!ok) {
                return null;
            }
        }
        try {
            // Bracketed, the JDK parses an IPv6 literal or fails: it never turns it into a lookup.
            // A dotted quad goes in as its IPv4-mapped form, which accepts exactly four decimal
            // parts of 0-255, and comes back as an Inet4Address.
            return InetAddress.getByName(v6 ? "[" + literal + "]" : "[::ffff:" + literal + "]");
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * A CIDR ({@code 10.0.0.0/8}, {@code fd00::/8}, or a single address such as
     * {@code 192.168.1.7}) written as {@code network/prefix} with the host bits cleared
     * ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}), the form Jetty's {@code InetAddressSet} takes.
     *
     * @throws IllegalArgumentException naming the entry
     */
    public static String cidr(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        InetAddress address = parse(slash < 0 ? trimmed : trimmed.substring(0, slash));
        int bits = address == null ? 0 : address.getAddress().length * 8;
        int prefix = slash < 0 ? bits : prefixLength(trimmed.substring(slash + 1));
        if (address == null || prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("bad CIDR \"" + text + "\" (e.g. 10.0.0.0/8, 192.168.1.7 or fd00::/8)");
        }
        byte[] network = address.getAddress();
        for (int i = 0; i < network.length; i++) {
            network[i] &= (byte) (0xFF << (8 - Math.clamp(prefix - i * 8L, 0, 8)));
        }
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }

    /** One to three decimal digits, or -1. */
    private static int prefixLength(String text) {
        if (text.isEmpty() || text.length() > 3 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return Integer.parseInt(text);
    }
}
