package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.lifecycle.DefaultConfig;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;

/** What a newcomer gets from `java -jar nexus-gateway.jar` with no arguments. */
class DefaultConfigTest {

    @Test
    void bundledDefaultIsTheRepositorysConfFile() throws Exception {
        String bundled = new String(DefaultConfig.class.getClassLoader().getResourceAsStream(DefaultConfig.RESOURCE).readAllBytes());
        assertThat(bundled).isEqualTo(Files.readString(Path.of("../conf/gateway.conf")));
        GatewayConfig config = DefaultConfig.load(Map.of());
        assertThat(config.startup().server().port()).isEqualTo(8080);
        assertThat(config.startup().admin().port()).isEqualTo(9090);
        assertThat(config.startup().demo().enabled()).isTrue();
    }

    @Test
    void defaultConfigRoutesEchoToTheDemoUpstream() throws Exception {
        int demoPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            demoPort = socket.getLocalPort();
        }
        // The shipped file, with only the ports moved so the test cannot collide with anything.
        String text = Files.readString(Path.of("../conf/gateway.conf")) + """
            nexus.server { host = "127.0.0.1", port = 0, shutdown.drain-delay = 0s }
            nexus.admin.port = 0
            nexus.demo.port = %d
            nexus.upstreams.echo.targets = ["http://127.0.0.1:%d"]
            """.formatted(demoPort, demoPort);
        try (TestGateway gateway = TestGateway.start(text)) {
            assertThat(gateway.embedded().runsOnVirtualThreads()).isTrue();
            ContentResponse response = gateway.get("/echo/hello?name=nexus");
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(response.getContentAsString()).contains("Nexus demo echo upstream").contains("\"path\" : \"/hello\"")
                .contains("\"query\" : \"name=nexus\"").contains("X-Request-Id");
        }
    }
}
