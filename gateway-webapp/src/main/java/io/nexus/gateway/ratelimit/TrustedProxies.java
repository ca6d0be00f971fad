package io.nexus.gateway.ratelimit;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;

/**
 * The proxies whose {@code X-Forwarded-For} is believed, as CIDR ranges, and the client address
 * they imply. A peer that is not a trusted proxy is the client, whatever it writes in
 * {@code X-Forwarded-For}; behind trusted proxies the client is the rightmost entry that is not
 * itself a trusted proxy (entries to its left were written by the client and can be forged).
 * Only IP literals are ever parsed: no name is looked up.
 */
public final class TrustedProxies {

    private static final TrustedProxies NONE = new TrustedProxies(new long[0], new byte[0][], new int[0]);

    // IPv4 ranges as (network << 32 | mask) pairs, compared without allocation.
    private final long[] v4;
    private final byte[][] v6Networks;
    private final int[] v6Prefixes;

    private TrustedProxies(long[] v4, byte[][] v6Networks, int[] v6Prefixes) {
        this.v4 = v4;
        this.v6Networks = v6Networks;
        this.v6Prefixes = v6Prefixes;
    }

    public static TrustedProxies none() {
        return NONE;
    }

    /**
     * Parses CIDRs such as {@code 10.0.0.0/8}, {@code 192.168.1.7} (a single address) or
     * {@code fd00::/8}.
     *
     * @throws IllegalArgumentException naming the first bad entry
     */
    public static TrustedProxies of(List<String> cidrs) {
        if (cidrs.isEmpty()) {
            return NONE;
        }
        List<Long> v4 = new ArrayList<>();
        List<byte[]> v6Networks = new ArrayList<>();
        List<Integer> v6Prefixes = new ArrayList<>();
        for (String cidr : cidrs) {
            String text = cidr.trim();
            int slash = text.indexOf('/');
            String address = slash < 0 ? text : text.substring(0, slash);
            long ipv4 = parseV4(address, 0, address.length());
            int bits = ipv4 >= 0 ? 32 : 128;
            int prefix = bits;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(text.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
            }
            byte[] v6 = ipv4 >= 0 ? null : parseV6(address);
            if ((ipv4 < 0 && v6 == null) || prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("bad CIDR \"" + cidr + "\" (e.g. 10.0.0.0/8, 192.168.1.7 or fd00::/8)");
            }
            if (ipv4 >= 0) {
                long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
                v4.add(((ipv4 & mask) << 32) | mask);
            } else {
                v6Networks.add(v6);
                v6Prefixes.add(prefix);
            }
        }
        return new TrustedProxies(v4.stream().mapToLong(Long::longValue).toArray(), v6Networks.toArray(byte[][]::new),
            v6Prefixes.stream().mapToInt(Integer::intValue).toArray());
    }

    public boolean isEmpty() {
        return v4.length == 0 && v6Networks.length == 0;
    }

    /**
     * The client's address for a request from {@code remoteAddress}.
     *
     * @param forwardedFor the request's {@code X-Forwarded-For} lines, oldest first
     */
    public String clientAddress(String remoteAddress, Enumeration<String> forwardedFor) {
        if (isEmpty() || !contains(remoteAddress, 0, remoteAddress.length()) || forwardedFor == null || !forwardedFor.hasMoreElements()) {
            return remoteAddress;
        }
        List<String> lines = new ArrayList<>(2);
        while (forwardedFor.hasMoreElements()) {
            lines.add(forwardedFor.nextElement());
        }
        // The nearest hop known to be a trusted proxy; the answer when the chain breaks.
        String nearest = remoteAddress;
        for (int l = lines.size() - 1; l >= 0; l--) {
            String line = lines.get(l);
            int end = line.length();
            while (end > 0) {
                int comma = line.lastIndexOf(',', end - 1);
                int start = trimStart(line, comma + 1, end);
                int stop = trimEnd(line, start, end);
                end = comma < 0 ? 0 : comma;
                if (start == stop) {
                    continue;
                }
                if (!isAddress(line, start, stop)) {
                    return nearest;
                }
                if (!contains(line, start, stop)) {
                    return line.substring(start, stop);
                }
                nearest = line.substring(start, stop);
            }
        }
        return nearest;
    }

    /** Whether the IP literal {@code text[start, end)} is in a trusted range; false for anything else. */
    boolean contains(String text, int start, int end) {
        if (start < end && text.charAt(start) == '[' && text.charAt(end - 1) == ']') {
            start++;
            end--;
        }
        long ipv4 = parseV4(text, start, end);
        if (ipv4 >= 0) {
            return containsV4(ipv4);
        }
        if (v6Networks.length == 0 && v4.length == 0) {
            return false;
        }
        byte[] v6 = parseV6(text.substring(start, end));
        if (v6 == null) {
            return false;
        }
        if (v6.length == 4) {
            return containsV4(((v6[0] & 0xFFL) << 24) | ((v6[1] & 0xFFL) << 16) | ((v6[2] & 0xFFL) << 8) | (v6[3] & 0xFFL));
        }
        for (int i = 0; i < v6Networks.length; i++) {
            if (matches(v6, v6Networks[i], v6Prefixes[i])) {
                return true;
            }
        }
        return false;
    }

    private boolean containsV4(long address) {
        for (long range : v4) {
            long mask = range & 0xFFFFFFFFL;
            if ((address & mask) == (range >>> 32)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isAddress(String text, int start, int end) {
        if (parseV4(text, start, end) >= 0) {
            return true;
        }
        return parseV6(text.substring(start, end)) != null;
    }

    private static boolean matches(byte[] address, byte[] network, int prefix) {
        int whole = prefix / 8;
        for (int i = 0; i < whole; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (address[whole] & mask) == (network[whole] & mask);
    }

    /** A dotted-quad IPv4 literal as an unsigned int, or -1. */
    static long parseV4(CharSequence text, int start, int end) {
        long result = 0;
        int octets = 0;
        int i = start;
        while (i < end && octets < 4) {
            int value = 0;
            int digits = 0;
            while (i < end && digits < 4) {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    break;
                }
                value = value * 10 + (c - '0');
                digits++;
                i++;
            }
            if (digits == 0 || digits > 3 || value > 255) {
                return -1;
            }
            result = (result << 8) | value;
            octets++;
            if (octets < 4) {
                if (i >= end || text.charAt(i) != '.') {
                    return -1;
                }
                i++;
            }
        }
        return octets == 4 && i == end ? result : -1;
    }

    /**
     * An IPv6 literal's 16 bytes (4 for an IPv4-mapped one), or {@code null}. Bracketed, the JDK
     * parses it as a literal or fails: it never turns it into a name lookup.
     */
    private static byte[] parseV6(String text) {
        if (text.indexOf(':') < 0 || text.length() > 64) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) {
                return null;
            }
        }
        try {
            InetAddress address = InetAddress.getByName("[" + text + "]");
            // An IPv4-mapped literal comes back as an Inet4Address: 4 bytes, matched against IPv4 ranges.
            return address.getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static int trimStart(String text, int start, int end) {
        while (start < end && (text.charAt(start) == ' ' || text.charAt(start) == '\t')) {
            start++;
        }
        return start;
    }

    private static int trimEnd(String text, int start, int end) {
        while (end > start && (text.charAt(end - 1) == ' ' || text.charAt(end - 1) == '\t')) {
            end--;
        }
        return end;
    }
}
