package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code nexus-gateway.jar validate}: a file checked here, and against a running gateway's live version; nothing applied. */
class ValidateCommandTest {

    private static final String TOKEN = "validate-test-token-0123456789";

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("up")
        .config(() -> config("live"))
        .build();

    @TempDir
    Path dir;

    private static String config(String route) {
        return """
            nexus {
              admin.token = "%s"
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [{ name = "%s", path = "/%s", upstream = "up" }]
            }
            """.formatted(TOKEN, route, route);
    }

    /** What one run printed and returned. */
    private record Run(int exit, String out, String err) {
    }

    private Run validate(Map<String, String> environment, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ValidateCommand.run(args, environment, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path write(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    private String admin() {
        return "http://127.0.0.1:" + nexus.gateway().adminPort();
    }

    @Test
    void aValidFileExits0AndABrokenOneExits1WithFileLineAndKey() throws Exception {
        Path good = write("good.conf", nexus.configText(config("next")));
        assertThat(validate(Map.of(), "--config", good.toString())).satisfies(run -> {
            assertThat(run.exit()).isEqualTo(ValidateCommand.VALID);
            assertThat(run.out()).contains(good + " is valid");
        });
        Path broken = write("broken.conf", """
            nexus {
              routes = [{ name = "a", path = "/a", upstream = "nowhere" }]
            }
            """);
        Run run = validate(Map.of(), "--config", broken.toString());
        assertThat(run.exit()).isEqualTo(ValidateCommand.INVALID);
        assertThat(run.err()).contains("routes[0].upstream: unknown upstream \"nowhere\"", "(" + broken + ":2)");
    }

    @Test
    void againstARunningGatewayItPrintsTheDiffAndAppliesNothing() throws Exception {
        Path next = write("next.conf", nexus.configText(config("next")));
        Run run = validate(Map.of(ValidateCommand.TOKEN_VARIABLE, TOKEN), "--config", next.toString(), "--against", admin());
        assertThat(run.exit()).as(run.err()).isEqualTo(ValidateCommand.VALID);
        assertThat(run.out()).startsWith("--- version/1\n+++ proposed\n").contains("-            name=live", "+            name=next");
        // Nothing was applied: the live route still answers, the proposed one does not exist.
        assertThat(nexus.get("/live").getStatus()).isEqualTo(200);
        assertThat(nexus.get("/next").getStatus()).isEqualTo(404);

        Path same = write("same.conf", nexus.configText(config("live")));
        Run unchanged = validate(Map.of(ValidateCommand.TOKEN_VARIABLE, TOKEN), "--config", same.toString(), "--against", admin());
        assertThat(unchanged.exit()).isEqualTo(ValidateCommand.VALID);
        assertThat(unchanged.out()).isEmpty();
        assertThat(unchanged.err()).contains("no difference from the live version");
    }

    @Test
    void aGatewayThatCannotBeAskedExits3AndBadArgumentsExit2() throws Exception {
        Path next = write("next.conf", nexus.configText(config("next")));
        Run wrongToken = validate(Map.of(ValidateCommand.TOKEN_VARIABLE, "wrong-token-0123456789"), "--config", next.toString(), "--against", admin());
        assertThat(wrongToken.exit()).isEqualTo(ValidateCommand.UNREACHABLE);
        assertThat(wrongToken.err()).contains("answered 401");
        assertThat(validate(Map.of(), "--config", next.toString(), "--against", "http://127.0.0.1:1").exit()).isEqualTo(ValidateCommand.UNREACHABLE);
        assertThat(validate(Map.of()).exit()).isEqualTo(ValidateCommand.USAGE);
        assertThat(validate(Map.of(), "--config").exit()).isEqualTo(ValidateCommand.USAGE);
        assertThat(validate(Map.of(), "--config", dir.resolve("missing.conf").toString()).exit()).isEqualTo(ValidateCommand.USAGE);
        assertThat(validate(Map.of(), "--colour", "red").exit()).isEqualTo(ValidateCommand.USAGE);
    }

    @Test
    void theLauncherRunsItAsACommandWithItsExitCode() throws Exception {
        Path broken = write("broken.conf", "nexus { routes = [{ name = \"a\", path = \"/a\", upstream = \"nowhere\" }] }\n");
        try (LauncherProcess launcher = LauncherProcess.start(dir, Map.of(), List.of(), "validate", "--config", broken.toString())) {
            assertThat(launcher.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(launcher.process.exitValue()).isEqualTo(ValidateCommand.INVALID);
            assertThat(launcher.output()).contains("routes[0].upstream: unknown upstream \"nowhere\"").doesNotContain("Nexus listening");
        }
    }
}
