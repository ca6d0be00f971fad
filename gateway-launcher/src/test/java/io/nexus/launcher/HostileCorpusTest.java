package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.testing.HostileCorpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The seeded hostile-input corpus ({@link HostileCorpus}) against the launcher; WarInJettyIT runs it against the WAR. */
class HostileCorpusTest {

    private static final int CASES = 300;

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config("""
            nexus {
              server { max-request-body = 1KiB, max-header-count = 30 }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [{ name = "keep", path = "/keep", upstream = "up" }]
            }
            """)
        .build();

    @Test
    void everyHostileRequestIsRefusedOrForwardedInCanonicalForm() throws Exception {
        int refused = HostileCorpus.run(nexus.gateway().publicPort(), nexus.upstream("up"), CASES);
        // Both outcomes occur, so neither branch of the check is vacuous.
        assertThat(refused).isBetween(1, CASES - 1);
    }
}
