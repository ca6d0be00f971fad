package io.nexus.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DiagnosticsApiTest {

    @Test
    void durationsAreReadLikeGatewayConfs() {
        assertThat(DiagnosticsApi.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(DiagnosticsApi.parseDuration("1500ms")).isEqualTo(Duration.ofMillis(1500));
        assertThat(DiagnosticsApi.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DiagnosticsApi.parseDuration("1.5m")).isEqualTo(Duration.ofSeconds(90));
        assertThat(DiagnosticsApi.parseDuration(" 90 seconds ")).isEqualTo(Duration.ofSeconds(90));
        // HOCON's default unit: a bare number is milliseconds (and too short for a recording).
        assertThat(DiagnosticsApi.parseDuration("30")).isEqualTo(Duration.ofMillis(30));
    }

    @Test
    void anythingElseFailsWithTheReason() {
        assertThatThrownBy(() -> DiagnosticsApi.parseDuration("forever"))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("Invalid value at 'duration': No number in duration value 'forever'");
        assertThatThrownBy(() -> DiagnosticsApi.parseDuration("30 sec")).hasMessageContaining("Could not parse time unit 'sec'");
        // Never read as HOCON text: a substitution is just characters.
        assertThatThrownBy(() -> DiagnosticsApi.parseDuration("${user.home}")).hasMessageContaining("Could not parse duration number");
    }
}
