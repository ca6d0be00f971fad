package io.nexus.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

    private static final TrustedProxies PROXIES = TrustedProxies.of(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"));

    private static String client(String remote, String... forwardedFor) {
        return PROXIES.clientAddress(remote, Collections.enumeration(List.of(forwardedFor)));
    }

    @Test
    void anUntrustedPeerIsTheClientWhateverItForwards() {
        assertThat(client("203.0.113.9", "1.2.3.4")).isEqualTo("203.0.113.9");
        assertThat(client("127.0.0.1", "1.2.3.4, 10.0.0.1")).isEqualTo("127.0.0.1");
    }

    @Test
    void behindTrustedProxiesTheRightmostUntrustedEntryIsTheClient() {
        assertThat(client("10.1.2.3", "1.2.3.4")).isEqualTo("1.2.3.4");
        // The client wrote 6.6.6.6 itself; the trusted proxies appended 1.2.3.4 and 192.168.1.7.
        assertThat(client("10.1.2.3", "6.6.6.6, 1.2.3.4, 192.168.1.7")).isEqualTo("1.2.3.4");
        assertThat(client("10.1.2.3", "6.6.6.6", " 1.2.3.4 ,10.9.9.9")).isEqualTo("1.2.3.4");
        assertThat(client("fd00::1", "2001:db8::5")).isEqualTo("2001:db8::5");
    }

    @Test
    void aBrokenChainStopsAtTheNearestTrustedHop() {
        assertThat(client("10.1.2.3", "1.2.3.4, not-an-address")).isEqualTo("10.1.2.3");
        assertThat(client("10.1.2.3", "10.0.0.5")).isEqualTo("10.0.0.5");
        assertThat(client("10.1.2.3")).isEqualTo("10.1.2.3");
    }

    @Test
    void rangesMatchByPrefix() {
        assertThat(PROXIES.contains("10.255.0.1")).isTrue();
        assertThat(PROXIES.contains("11.0.0.1")).isFalse();
        assertThat(PROXIES.contains("192.168.1.8")).isFalse();
        assertThat(PROXIES.contains("[fd12::1]")).isTrue();
        assertThat(PROXIES.contains("::ffff:10.0.0.1")).isTrue();
        assertThat(PROXIES.contains("example.com")).isFalse();
        assertThat(TrustedProxies.of(List.of("0.0.0.0/0")).contains("8.8.8.8")).isTrue();
        assertThat(TrustedProxies.of(List.of("::/0")).contains("2001:db8::1")).isTrue();
    }

    @Test
    void hostBitsAfterThePrefixAreIgnored() {
        TrustedProxies proxies = TrustedProxies.of(List.of("10.1.2.3/8", "fd00::1/8"));
        assertThat(proxies.contains("10.200.0.1")).isTrue();
        assertThat(proxies.contains("fdff::2")).isTrue();
        assertThat(proxies.contains("11.0.0.0")).isFalse();
    }

    @Test
    void badRangesAreRefusedByName() {
        for (String bad : List.of("10.0.0.0/33", "10.0.0/8", "example.com", "fd00::/129", "10.0.0.0/x", "256.1.1.1", "10.0.0.0/-1",
            "10.0.0.0/8x", "fe80::1%eth0/64", "", "/8")) {
            assertThatThrownBy(() -> TrustedProxies.of(List.of(bad))).hasMessageContaining("bad CIDR \"" + bad + "\"");
        }
    }
}
