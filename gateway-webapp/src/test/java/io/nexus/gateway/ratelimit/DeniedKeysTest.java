package io.nexus.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeniedKeysTest {

    @Test
    void aKeyStaysRefusedUntilItsTimeAndIsForgottenAfter() {
        DeniedKeys denied = new DeniedKeys(1000);
        denied.deny("greedy", 1_000);
        assertThat(denied.remainingNanos("greedy", 400)).isEqualTo(600);
        assertThat(denied.remainingNanos("quiet", 400)).isZero();
        assertThat(denied.remainingNanos("greedy", 1_000)).isZero();
        // Expired entries are dropped when seen, so a later refusal starts afresh.
        assertThat(denied.remainingNanos("greedy", 0)).isZero();
    }

    @Test
    void memoryIsBoundedByMaxKeys() {
        DeniedKeys denied = new DeniedKeys(160);
        for (int i = 0; i < 10_000; i++) {
            denied.deny("key-" + i, Long.MAX_VALUE);
        }
        int held = 0;
        for (int i = 0; i < 10_000; i++) {
            if (denied.remainingNanos("key-" + i, 0) > 0) {
                held++;
            }
        }
        assertThat(held).isBetween(1, 160);
        // The newest are kept: the oldest go first.
        assertThat(denied.remainingNanos("key-9999", 0)).isPositive();
    }
}
