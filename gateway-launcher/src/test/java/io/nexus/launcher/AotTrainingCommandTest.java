package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code nexus-gateway.jar aot-training}: the traffic of the AOT cache's training run goes
 * through the real request path of the default config and is checked, so that a broken path
 * fails the build instead of training the cache on errors.
 */
class AotTrainingCommandTest {

    /** The default config's echo route, to a target that refuses connections. */
    @RegisterExtension
    static final GatewayExtension broken = GatewayExtension.builder()
        .refusingUpstream("echo")
        .config("""
            nexus {
              upstreams { echo { targets = [${upstreams.echo}] } }
              routes = [{ name = "echo", path = "/echo", upstream = "echo", strip-prefix = true }]
            }
            """)
        .build();

    /** What one run printed and returned. */
    private record Run(int exit, String out, String err) {
    }

    private static Run train(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = AotTrainingCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(120)
    void trainingSendsEveryKindOfExchangeThroughTheDefaultConfigAndStops() {
        Run run = train("--requests", "1200", "--seconds", "60");

        assertThat(run.err()).isEmpty();
        assertThat(run.exit()).isEqualTo(AotTrainingCommand.TRAINED);
        assertThat(run.out()).contains(", 0 failed: ")
            .contains("GET /echo 200=", "POST /echo 200=", "HEAD /echo 200=", "GET no route 404=",
                "GET /readyz 200=", "GET /healthz 200=", "GET /metrics 200=")
            // 200 rounds of the six proxied exchanges, with the admin calls of every 50th round.
            .containsPattern("nexus aot-training: 12\\d\\d requests in \\d+ ms");
    }

    @Test
    @Timeout(60)
    void answersOtherThanTheDefaultConfigsAreFailures() throws Exception {
        HttpClient client = new HttpClient();
        client.start();
        try {
            TrainingTraffic traffic = new TrainingTraffic(client, broken.gateway().publicPort(), broken.gateway().adminPort());
            traffic.run(2, 5, Duration.ofSeconds(30));

            assertThat(traffic.failed()).isPositive();
            assertThat(traffic.failures()).isNotEmpty().allSatisfy(failure -> assertThat(failure).contains("expected 200"));
            assertThat(traffic.answers()).containsKey("GET /echo 502").containsEntry("GET no route 404", 5L);
        } finally {
            client.stop();
        }
    }

    @Test
    void badArgumentsAreRefusedWithTheUsage() {
        for (String[] args : new String[][] {{"--requests"}, {"--requests", "0"}, {"--seconds", "301"}, {"--colour", "red"}}) {
            Run run = train(args);
            assertThat(run.exit()).as(String.join(" ", args)).isEqualTo(AotTrainingCommand.USAGE);
            assertThat(run.err()).contains("usage: java -XX:AOTCacheOutput=FILE -jar nexus-gateway.jar aot-training");
        }
    }
}
