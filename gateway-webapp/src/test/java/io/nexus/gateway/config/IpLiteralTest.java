package io.nexus.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import org.junit.jupiter.api.Test;

class IpLiteralTest {

    @Test
    void literalsAreParsed() {
        assertThat(IpLiteral.parse("192.168.1.7")).isInstanceOf(Inet4Address.class).hasToString("/192.168.1.7");
        assertThat(IpLiteral.parse("2001:db8::5")).isInstanceOf(Inet6Address.class);
        assertThat(IpLiteral.parse("[::1]")).isInstanceOf(Inet6Address.class);
        // IPv4-mapped IPv6 is the IPv4 address: it matches IPv4 ranges.
        assertThat(IpLiteral.parse("::ffff:10.0.0.1")).isInstanceOf(Inet4Address.class).hasToString("/10.0.0.1");
    }

    @Test
    void anythingElseIsNotAnAddressAndNothingIsLookedUp() {
        // A name would be resolved by InetAddress.getByName: none of these may reach it.
        for (String text : new String[] {"localhost", "example.com", "not-an-address", "256.1.1.1", "10.0.0", "1.2.3.4.5",
            "abc", "1.2.3.a", "fe80::1%eth0", "1.2.3.4:80", "", "[]", " 1.2.3.4", "\u0661.2.3.4", "1".repeat(50)}) {
            assertThat(IpLiteral.parse(text)).as(text).isNull();
        }
    }

    @Test
    void cidrsAreWrittenAsNetworkAndPrefix() {
        assertThat(IpLiteral.cidr("10.0.0.0/8")).isEqualTo("10.0.0.0/8");
        assertThat(IpLiteral.cidr(" 10.1.2.3/8 ")).isEqualTo("10.0.0.0/8");
        assertThat(IpLiteral.cidr("192.168.1.7")).isEqualTo("192.168.1.7/32");
        assertThat(IpLiteral.cidr("192.168.1.7/0")).isEqualTo("0.0.0.0/0");
        assertThat(IpLiteral.cidr("10.0.0.255/25")).isEqualTo("10.0.0.128/25");
        assertThat(IpLiteral.cidr("fd00::/8")).isEqualTo("fd00:0:0:0:0:0:0:0/8");
        assertThat(IpLiteral.cidr("fd12::1/8")).isEqualTo("fd00:0:0:0:0:0:0:0/8");
        assertThatThrownBy(() -> IpLiteral.cidr("10.0.0.0/40")).hasMessage("bad CIDR \"10.0.0.0/40\" (e.g. 10.0.0.0/8, 192.168.1.7 or fd00::/8)");
    }
}
