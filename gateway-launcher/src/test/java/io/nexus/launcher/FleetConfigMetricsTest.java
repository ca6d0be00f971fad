package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.Jetty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a fleet compares across replicas: the live config's hash and the build each one runs. */
class FleetConfigMetricsTest {

    private static final Pattern CONFIG = Pattern.compile("nexus_config_version_info\\{sha256=\"([0-9a-f]{64})\",version=\"(\\d+)\"} 1");

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder().recordingUpstream("up").build();

    private static final String CONFIG_A = """
        nexus {
          upstreams { up { targets = [${upstreams.up}] } }
          routes = [{ name = "a", path = "/a", upstream = "up" }]
        }
        """;

    private static String hash(TestGateway gateway) throws Exception {
        Matcher matcher = CONFIG.matcher(gateway.metrics());
        assertThat(matcher.find()).as("nexus_config_version_info with its sha256").isTrue();
        return matcher.group(1);
    }

    @Test
    void replicasOnTheSameConfigReportTheSameHashAndADifferentConfigAnother() throws Exception {
        TestGateway first = nexus.startGateway(CONFIG_A);
        TestGateway second = nexus.startGateway(CONFIG_A);
        TestGateway other = nexus.startGateway(CONFIG_A.replace("/a", "/b"));
        assertThat(hash(first)).isEqualTo(hash(second)).isNotEqualTo(hash(other));
    }

    @Test
    void buildInfoNamesTheGatewayJavaAndJettyVersions() throws Exception {
        TestGateway gateway = nexus.startGateway(CONFIG_A);
        // The version is the Maven project's, filtered into the build: never the "unknown" of a missing file.
        assertThat(gateway.metrics()).containsPattern(Pattern.quote("nexus_build_info{java=\"" + Runtime.version() + "\",jetty=\"" + Jetty.VERSION
            + "\",version=\"") + "\\d+\\.\\d+\\.\\d+[^\"]*\"} 1");
    }
}
