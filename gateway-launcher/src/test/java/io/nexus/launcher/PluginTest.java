package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nexus.gateway.plugin.FoundPlugin;
import io.nexus.gateway.plugin.PluginJars;
import io.nexus.gateway.spi.MiddlewarePlugin;
import io.nexus.gateway.testing.RecordingUpstream;
import io.nexus.gateway.testing.RecordingUpstream.Recorded;
import io.nexus.testplugin.FlakyPlugin;
import io.nexus.testplugin.ImpostorPlugin;
import jakarta.servlet.Filter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugins in a launcher process, installed the way docs/plugins.md says: the example plugin's
 * jar (built by the reactor) copied into {@code plugins.dir}, its settings under
 * {@code middleware-settings}; and the ways a plugin can break a start or a reload.
 */
@Timeout(120)
class PluginTest {

    private static final String TOKEN = "plugin-test-admin-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    RecordingUpstream upstream;
    LauncherProcess launcher;
    HttpClient client;
    Path plugins;
    Path config;
    String publicUrl;
    String adminUrl;

    @BeforeEach
    void setUp() throws Exception {
        upstream = RecordingUpstream.start("plugin-up");
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        plugins = Files.createDirectories(dir.resolve("plugins"));
        config = dir.resolve("gateway.conf");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (launcher != null) {
            launcher.close();
        }
        upstream.close();
        client.close();
    }

    /** The example plugin's jar as the reactor built it. */
    private static Path exampleJar() {
        Path jar = Path.of(System.getProperty("nexus.test.plugin-jar", "missing"));
        assertThat(jar).as("the example plugin's jar: build it with the reactor (mvn verify)").isRegularFile();
        return jar;
    }

    private String config(String routeMiddlewares, String middlewareSettings) {
        return """
            nexus {
              server { host = "127.0.0.1" }
              admin { port = 0, token = "%s" }
              plugins { dir = "%s" }
              upstreams { up { targets = ["%s"] } }
              routes = [
                { name = "api", path = "/api", upstream = "up", middlewares = %s }
                { name = "plain", path = "/plain", upstream = "up" }
              ]
              middleware-settings {
            %s
              }
            }
            """.formatted(TOKEN, plugins, upstream.url(), routeMiddlewares, middlewareSettings);
    }

    private void start(String text) throws Exception {
        Files.writeString(config, text);
        launcher = LauncherProcess.start(dir, Map.of("NEXUS_PORT", "0"), List.of(), "--config", config.toString());
        Matcher ports = launcher.awaitListening();
        publicUrl = "http://127.0.0.1:" + ports.group(1);
        adminUrl = "http://127.0.0.1:" + ports.group(2);
    }

    /** Starts a launcher that must refuse its config: exit 2 and one line naming why. */
    private String refusedStart(String text) throws Exception {
        Files.writeString(config, text);
        launcher = LauncherProcess.start(dir, Map.of("NEXUS_PORT", "0"), List.of(), "--config", config.toString());
        assertThat(launcher.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(launcher.process.exitValue()).as(launcher.output()).isEqualTo(NexusLauncher.EXIT_BAD_CONFIG);
        return launcher.output();
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(adminUrl + path)).timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + TOKEN).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theExamplePluginStampsRequestsAndResponsesAndCountsThem() throws Exception {
        Files.copy(exampleJar(), plugins.resolve("plugin-header-stamp.jar"));
        start(config("[header-stamp]", """
                header-stamp { header = "X-Served-By", value = "edge-eu-1", on = [request, response] }
            """));

        HttpResponse<String> response = get(publicUrl + "/api/orders");
        Recorded received = upstream.takeRequest();
        HttpResponse<String> plain = get(publicUrl + "/plain");
        Recorded unstamped = upstream.takeRequest();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Served-By")).hasValue("edge-eu-1");
        assertThat(received.header("X-Served-By")).isEqualTo("edge-eu-1");
        assertThat(plain.headers().firstValue("X-Served-By")).isEmpty();
        assertThat(unstamped.header("X-Served-By")).isNull();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(adminUrl + "/metrics").body())
            .contains("nexus_plugin_events_total{event=\"stamped\",middleware=\"header-stamp\",route=\"api\"} 1.0"));
    }

    @Test
    void theClientCannotForgeTheStampedRequestHeader() throws Exception {
        Files.copy(exampleJar(), plugins.resolve("plugin-header-stamp.jar"));
        start(config("[header-stamp]", """
                header-stamp { header = "X-Served-By", value = "edge-eu-1", on = [request] }
            """));

        client.send(HttpRequest.newBuilder(URI.create(publicUrl + "/api")).timeout(Duration.ofSeconds(10))
            .header("X-Served-By", "forged").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(upstream.takeRequest().headers().getValuesList("X-Served-By")).containsExactly("edge-eu-1");
    }

    @Test
    void theAdminApiListsBuiltInsAndPluginsWithOriginAndPriority() throws Exception {
        Path jar = Files.copy(exampleJar(), plugins.resolve("plugin-header-stamp.jar"));
        start(config("[header-stamp]", """
                header-stamp { priority = 250, header = "X-Served-By", value = "edge" }
            """));

        HttpResponse<String> response = admin("GET", "/api/v1/plugins");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode middlewares = JSON.readTree(response.body()).get("middlewares");
        assertThat(middlewares.findValuesAsText("name")).containsExactly("cors", "rate-limit", "auth", "fault", "rewrite", "header-stamp");
        JsonNode stamp = middlewares.get(5);
        assertThat(stamp.get("origin").asText()).isEqualTo(jar.toString());
        assertThat(stamp.get("default_priority").asInt()).isEqualTo(1000);
        assertThat(stamp.get("priority").asInt()).isEqualTo(250);
        assertThat(middlewares.get(0).get("origin").asText()).isEqualTo("built-in");
    }

    /** The fault middleware (500) answers before a stamp at 1000 runs; moved to 250 by a reload, the stamp runs first. */
    @Test
    void priorityInMiddlewareSettingsMovesThePluginInTheChain() throws Exception {
        Files.copy(exampleJar(), plugins.resolve("plugin-header-stamp.jar"));
        String routes = "[header-stamp, fault]";
        String faulty = config(routes, """
                header-stamp { header = "X-Served-By", value = "edge" }
                fault { priority = 500 }
            """).replace("middlewares = [header-stamp, fault] }", "middlewares = [header-stamp, fault], fault { abort-percent = 100 } }");
        start(faulty);
        assertThat(get(publicUrl + "/api").headers().firstValue("X-Served-By")).isEmpty();

        Files.writeString(config, faulty.replace("header = \"X-Served-By\"", "priority = 250, header = \"X-Served-By\""));
        assertThat(admin("POST", "/api/v1/config/reload").statusCode()).isEqualTo(200);

        HttpResponse<String> aborted = get(publicUrl + "/api");
        assertThat(aborted.statusCode()).isEqualTo(503);
        assertThat(aborted.headers().firstValue("X-Served-By")).hasValue("edge");
    }

    @Test
    void badPluginSettingsOnReloadAre422WithFileLineAndKeyAndTheOldConfigKeepsServing() throws Exception {
        Files.copy(exampleJar(), plugins.resolve("plugin-header-stamp.jar"));
        String good = config("[header-stamp]", """
                header-stamp { header = "X-Served-By", value = "edge" }
            """);
        start(good);

        Files.writeString(config, good.replace("header = \"X-Served-By\"", "header = \"X Served\""));
        HttpResponse<String> reload = admin("POST", "/api/v1/config/reload");

        assertThat(reload.statusCode()).isEqualTo(422);
        JsonNode problem = JSON.readTree(reload.body()).get("error").get("problems").get(0);
        assertThat(problem.get("key").asText()).isEqualTo("middleware-settings.header-stamp.header");
        assertThat(problem.get("message").asText()).startsWith("must be an HTTP header name");
        assertThat(problem.get("file").asText()).isEqualTo(config.toString());
        assertThat(problem.get("line").asInt()).isEqualTo(11);
        assertThat(get(publicUrl + "/api").headers().firstValue("X-Served-By")).hasValue("edge");
    }

    @Test
    void aPluginThatThrowsInInitOnReloadIs422AndTheOldConfigKeepsServing() throws Exception {
        PluginJar.write(plugins.resolve("flaky.jar"), FlakyPlugin.class);
        String good = config("[flaky]", "    flaky { fail-on-init = false }");
        start(good);
        assertThat(get(publicUrl + "/api").headers().firstValue("X-Flaky")).hasValue("ok");

        Files.writeString(config, good.replace("fail-on-init = false", "fail-on-init = true"));
        HttpResponse<String> reload = admin("POST", "/api/v1/config/reload");

        assertThat(reload.statusCode()).isEqualTo(422);
        assertThat(reload.body()).contains("middleware flaky failed to initialize").contains("flaky refuses route api");
        assertThat(get(publicUrl + "/api").headers().firstValue("X-Flaky")).hasValue("ok");
    }

    @Test
    void aPluginThatThrowsInInitAtStartUpExits2() throws Exception {
        PluginJar.write(plugins.resolve("flaky.jar"), FlakyPlugin.class);

        String output = refusedStart(config("[flaky]", "    flaky { fail-on-init = true }"));

        assertThat(output).contains("nexus: invalid configuration: route api: middleware flaky failed to initialize");
    }

    @Test
    void badPluginSettingsAtStartUpExit2WithFileLineAndKey() throws Exception {
        Files.copy(exampleJar(), plugins.resolve("plugin-header-stamp.jar"));

        String output = refusedStart(config("[header-stamp]", """
                header-stamp { header = "X-Served-By", value = "edge", on = [sideways], colour = blue }
            """));

        assertThat(output).contains("middleware-settings.header-stamp.on: must list request and/or response, was \"sideways\" (" + config + ":11)")
            .contains("middleware-settings.header-stamp.colour: unknown key (" + config + ":11)");
    }

    @Test
    void aRouteUsingAPluginWithoutItsRequiredSettingsExits2() throws Exception {
        Files.copy(exampleJar(), plugins.resolve("plugin-header-stamp.jar"));

        String output = refusedStart(config("[header-stamp]", ""));

        assertThat(output).contains("middleware-settings.header-stamp.header: is required")
            .contains("middleware-settings.header-stamp.value: is required");
    }

    @Test
    void twoPluginsWithOneNameExit2() throws Exception {
        Files.copy(exampleJar(), plugins.resolve("a-stamp.jar"));
        Files.copy(exampleJar(), plugins.resolve("b-stamp.jar"));

        String output = refusedStart(config("[]", ""));

        assertThat(output).contains("plugins.dir: middleware header-stamp from " + plugins.resolve("b-stamp.jar")
            + " is already registered (from " + plugins.resolve("a-stamp.jar") + ")");
    }

    @Test
    void aPluginNamedLikeABuiltInExits2() throws Exception {
        PluginJar.write(plugins.resolve("impostor.jar"), ImpostorPlugin.class);

        String output = refusedStart(config("[]", ""));

        assertThat(output).contains("middleware auth from " + plugins.resolve("impostor.jar") + " is already registered (from built-in)");
    }

    @Test
    void aJarThatCannotBeLoadedExits2() throws Exception {
        Files.writeString(plugins.resolve("broken.jar"), "not a zip file");

        String output = refusedStart(config("[]", ""));

        assertThat(output).contains("plugins.dir: " + plugins.resolve("broken.jar"));
    }

    /** The example jar is on this JVM's class path too (a test dependency): loaded from plugins.dir all the same, in isolation. */
    @Test
    void aPluginJarGetsAClassLoaderThatSharesOnlyTheSpiAndTheServletApi() throws Exception {
        Files.copy(exampleJar(), plugins.resolve("plugin-header-stamp.jar"));

        List<FoundPlugin> found = PluginJars.load(plugins);

        assertThat(found).hasSize(1);
        ClassLoader loader = found.getFirst().loader();
        assertThat(found.getFirst().plugin().getClass().getClassLoader()).isSameAs(loader);
        assertThat(loader.loadClass(MiddlewarePlugin.class.getName())).isSameAs(MiddlewarePlugin.class);
        assertThat(loader.loadClass(Filter.class.getName())).isSameAs(Filter.class);
        assertThatThrownBy(() -> loader.loadClass("org.eclipse.jetty.server.Server")).isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> loader.loadClass("io.nexus.gateway.lifecycle.Gateway")).isInstanceOf(ClassNotFoundException.class);
    }
}
