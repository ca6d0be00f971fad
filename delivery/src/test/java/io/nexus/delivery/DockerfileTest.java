package io.nexus.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** No Docker engine runs here: the recipe's essentials are checked as text. */
class DockerfileTest {

    private static final Path DOCKERFILE = Path.of("..", "Dockerfile");

    private static List<String> instructions() throws Exception {
        return Files.readAllLines(DOCKERFILE).stream().map(String::strip)
            .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    }

    @Test
    void theBuildIsPinnedAndTheRuntimeJreTracksTheLatestPatchOfItsLine() throws Exception {
        List<String> from = instructions().stream().filter(line -> line.startsWith("FROM ")).toList();
        assertThat(from).hasSize(2);
        for (String line : from) {
            Matcher image = Pattern.compile("FROM (\\S+?):(\\S+)").matcher(line);
            assertThat(image.find()).as(line).isTrue();
            assertThat(image.group(2)).as("tag of " + line).matches("\\d+.*").doesNotContain("latest");
        }
        assertThat(from.get(0)).as("the build stage is pinned").containsPattern("maven:\\d+\\.\\d+\\.\\d+-");
        // Issue 13: the runtime was pinned to 21.0.5_11, missing every later security fix of the JRE.
        // Issue 14: JDK 24+ for the virtual-thread gauges; 25 is the LTS line.
        assertThat(from.get(1)).as("the runtime stage is a JRE of Java 25 on its line's tag, not a fixed patch")
            .isEqualTo("FROM eclipse-temurin:25-jre-noble");
        assertThat(from.get(0)).as("the build runs on a JDK able to compile --release 21").contains("eclipse-temurin-25");
    }

    @Test
    void runsAsANonRootUserWithTheContractsPortsAndJar() throws Exception {
        List<String> lines = instructions();
        assertThat(lines).contains("USER 10001:10001");
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("EXPOSE ").contains("8080").contains("9090"));
        String entrypoint = lines.stream().filter(line -> line.startsWith("ENTRYPOINT")).findFirst().orElseThrow();
        assertThat(entrypoint).contains("\"-jar\"").contains("/opt/nexus/nexus-gateway.jar");
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("gateway-launcher/target/nexus-gateway.jar /opt/nexus/nexus-gateway.jar"));
        assertThat(String.join("\n", lines)).contains("NEXUS_CONFIG=/etc/nexus/gateway.conf").contains("MaxRAMPercentage");
    }

    @Test
    void anAotCacheIsTrainedAtBuildTimeAndUsedAtRunTimeWithoutAHealthcheck() throws Exception {
        String text = String.join("\n", instructions());
        assertThat(text).contains("-XX:AOTCacheOutput=/opt/nexus/nexus.aot").contains("test -s /opt/nexus/nexus.aot")
            .contains("-XX:AOTCache=/opt/nexus/nexus.aot");
        // The training run comes after the jar and the config it starts on are in place.
        assertThat(text.indexOf("AOTCacheOutput")).isGreaterThan(text.indexOf("/opt/nexus/nexus-gateway.jar")).isGreaterThan(text.indexOf("COPY conf/gateway.conf"));
        // Issue 18: trained with traffic through the request path, as the Maven build trains its
        // own, by the run stage's JRE (a cache serves only the JVM that wrote it): the build stage
        // makes none.
        assertThat(text).contains("-XX:AOTCacheOutput=/opt/nexus/nexus.aot -jar /opt/nexus/nexus-gateway.jar aot-training");
        String build = instructions().stream().filter(line -> line.startsWith("RUN mvn ")).findFirst().orElseThrow();
        assertThat(build).contains("-Dnexus.aot.skip");
        assertThat(instructions()).noneMatch(line -> line.startsWith("HEALTHCHECK"));
    }

    @Test
    void theJarItCopiesIsTheOneTheBuildMakes() throws Exception {
        String pom = Files.readString(Path.of("..", "gateway-launcher", "pom.xml"));
        assertThat(pom).contains("<finalName>nexus-gateway</finalName>");
        // Every module the build stage's reactor reads is copied in.
        String root = Files.readString(Path.of("..", "pom.xml"));
        for (Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(root); module.find(); ) {
            assertThat(instructions()).as("COPY of " + module.group(1) + "/pom.xml")
                .anySatisfy(line -> assertThat(line).startsWith("COPY " + module.group(1) + "/pom.xml"));
        }
    }
}
