package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Versions, history, diff, rollback and redaction through the admin API. */
class ConfigVersionsTest {

    static final String TOKEN = "versions-test-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder().recordingUpstream("up").perMethod().build();

    @TempDir
    Path dir;
    Path file;
    TestGateway gateway;

    @BeforeEach
    void start() throws Exception {
        file = dir.resolve("gateway.conf");
        Files.writeString(file, config("a", "1s"));
        gateway = nexus.startGatewayFromFile(file);
    }

    /** One route at /{route}; the upstream timeout marks the version's content. */
    private String config(String route, String timeout) {
        return nexus.configText("""
            nexus {
              admin.token = "%s"
              config { watch = false, max-history = 3 }
              upstreams { up { targets = [${upstreams.up}], request-timeout = %s } }
              routes = [{ name = "%s", path = "/%s", upstream = "up" }]
            }
            """.formatted(TOKEN, timeout, route, route));
    }

    private ContentResponse admin(String method, String path) throws Exception {
        return TestGateway.send(gateway.adminRequest(path).method(method).headers(h -> h.put("Authorization", "Bearer " + TOKEN)));
    }

    private JsonNode adminJson(String method, String path) throws Exception {
        ContentResponse response = admin(method, path);
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
        return JSON.readTree(response.getContentAsString());
    }

    private int reloadWith(String route, String timeout) throws Exception {
        Files.writeString(file, config(route, timeout));
        JsonNode reload = adminJson("POST", "/api/v1/config/reload");
        assertThat(reload.path("result").asText()).isEqualTo("applied");
        return reload.path("version").path("id").asInt();
    }

    @Test
    void versionsAreListedNewestFirstAndTheOldestIsEvicted() throws Exception {
        assertThat(reloadWith("b", "2s")).isEqualTo(2);
        assertThat(reloadWith("c", "3s")).isEqualTo(3);
        assertThat(reloadWith("d", "4s")).isEqualTo(4);

        JsonNode versions = adminJson("GET", "/api/v1/config/versions");
        assertThat(versions.path("current").asInt()).isEqualTo(4);
        assertThat(versions.path("versions")).extracting(v -> v.path("id").asInt()).containsExactly(4, 3, 2);
        JsonNode newest = versions.path("versions").get(0);
        assertThat(newest.path("source").asText()).isEqualTo("api");
        assertThat(newest.path("sha256").asText()).matches("[0-9a-f]{64}");
        assertThat(newest.path("applied_at").asText()).isNotBlank();

        assertThat(admin("GET", "/api/v1/config/versions/1").getStatus()).isEqualTo(404);
        assertThat(adminJson("GET", "/api/v1/config/versions/2").path("config").asText()).contains("request-timeout=\"2s\"");
    }

    @Test
    void diffDefaultsToPreviousAgainstCurrentAndTakesAnyTwoVersions() throws Exception {
        reloadWith("b", "2s");
        reloadWith("c", "3s");

        ContentResponse latest = admin("GET", "/api/v1/config/diff");
        assertThat(latest.getStatus()).isEqualTo(200);
        assertThat(latest.getHeaders().get("Content-Type")).startsWith("text/x-diff");
        assertThat(latest.getContentAsString())
            .startsWith("--- version/2\n+++ version/3\n@@ ")
            .containsPattern("(?m)^-\\s+name=b$").containsPattern("(?m)^\\+\\s+name=c$")
            .containsPattern("(?m)^-\\s+request-timeout=\"2s\"$").containsPattern("(?m)^\\+\\s+request-timeout=\"3s\"$");

        String wide = admin("GET", "/api/v1/config/diff?from=1&to=3").getContentAsString();
        assertThat(wide).startsWith("--- version/1\n+++ version/3\n")
            .containsPattern("(?m)^-\\s+name=a$").containsPattern("(?m)^\\+\\s+name=c$");
        assertThat(admin("GET", "/api/v1/config/diff?from=3&to=3").getContentAsString()).isEmpty();
        assertThat(admin("GET", "/api/v1/config/diff?from=9").getStatus()).isEqualTo(404);
    }

    @Test
    void rollbackRestoresBehaviourAsANewVersion() throws Exception {
        assertThat(gateway.get("/a/x").getStatus()).isEqualTo(200);
        reloadWith("b", "2s");
        assertThat(gateway.get("/a/x").getStatus()).isEqualTo(404);
        assertThat(gateway.get("/b/x").getStatus()).isEqualTo(200);

        JsonNode rollback = adminJson("POST", "/api/v1/config/rollback?to=1");
        assertThat(rollback.path("result").asText()).isEqualTo("applied");
        assertThat(rollback.path("version").path("id").asInt()).isEqualTo(3);
        assertThat(rollback.path("version").path("source").asText()).isEqualTo("rollback");
        assertThat(rollback.path("version").path("restored_from").asInt()).isEqualTo(1);
        assertThat(gateway.get("/a/x").getStatus()).isEqualTo(200);
        assertThat(gateway.get("/b/x").getStatus()).isEqualTo(404);
        assertThat(adminJson("GET", "/api/v1/config").path("sha256").asText())
            .isEqualTo(adminJson("GET", "/api/v1/config/versions/1").path("sha256").asText());

        assertThat(admin("POST", "/api/v1/config/rollback?to=42").getStatus()).isEqualTo(404);
        assertThat(admin("POST", "/api/v1/config/rollback").getStatus()).isEqualTo(400);
        assertThat(admin("GET", "/api/v1/config/rollback?to=1").getStatus()).isEqualTo(405);
        // The restored version's hash is the original's: what NexusConfigDrift compares across replicas.
        String restored = adminJson("GET", "/api/v1/config/versions/1").path("sha256").asText();
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_config_version_info{sha256=\"" + restored + "\",version=\"3\"} 1"));
    }

    @Test
    void secretsAreRedactedInEveryResponseAndDiff() throws Exception {
        reloadWith("b", "2s");
        for (String path : new String[] {"/api/v1/config", "/api/v1/config/versions", "/api/v1/config/versions/1",
            "/api/v1/config/versions/2", "/api/v1/config/diff", "/api/v1/config/diff?from=1&to=2", "/api/v1/routes"}) {
            ContentResponse response = admin("GET", path);
            assertThat(response.getStatus()).as(path).isEqualTo(200);
            assertThat(response.getContentAsString()).as(path).doesNotContain(TOKEN);
        }
        assertThat(adminJson("GET", "/api/v1/config").path("config").asText()).contains("token=\"<redacted>\"");
    }

    @Test
    void configEndpointsFollowTheTokenRule() throws Exception {
        for (String path : new String[] {"/api/v1/config", "/api/v1/config/versions", "/api/v1/config/diff"}) {
            assertThat(TestGateway.send(gateway.adminRequest(path)).getStatus()).as(path).isEqualTo(401);
        }
        assertThat(TestGateway.send(gateway.adminRequest("/api/v1/config/reload").method("POST")).getStatus()).isEqualTo(401);
        assertThat(TestGateway.send(gateway.adminRequest("/api/v1/config/rollback?to=1").method("POST")
            .headers(h -> h.put("Authorization", "Bearer wrong-token-0123456789"))).getStatus()).isEqualTo(401);
        TestGateway noToken = nexus.startGateway("nexus { }");
        assertThat(TestGateway.send(noToken.adminRequest("/api/v1/config/reload").method("POST")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN))).getStatus()).isEqualTo(403);
    }

    @Test
    void validateChecksAProposedConfigAndShowsWhatWouldChangeWithoutApplyingIt() throws Exception {
        ContentResponse valid = TestGateway.send(gateway.adminRequest("/api/v1/config/validate").method("POST")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN))
            .body(new org.eclipse.jetty.client.StringRequestContent(config("b", "2s"))));
        assertThat(valid.getStatus()).as(valid.getContentAsString()).isEqualTo(200);
        JsonNode answer = JSON.readTree(valid.getContentAsString());
        assertThat(answer.path("valid").asBoolean()).isTrue();
        assertThat(answer.path("diff").asText()).startsWith("--- version/1\n+++ proposed\n@@ ")
            .containsPattern("(?m)^-\\s+name=a$").containsPattern("(?m)^\\+\\s+name=b$").doesNotContain(TOKEN);

        ContentResponse invalid = TestGateway.send(gateway.adminRequest("/api/v1/config/validate").method("POST")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN))
            .body(new org.eclipse.jetty.client.StringRequestContent("nexus {\n  routes = [{ name = \"x\", path = \"/x\", upstream = \"nowhere\" }]\n}\n")));
        assertThat(invalid.getStatus()).isEqualTo(422);
        JsonNode error = JSON.readTree(invalid.getContentAsString()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("invalid_config");
        assertThat(error.path("problems").get(0).path("file").asText()).isEqualTo("request body");
        assertThat(error.path("problems").get(0).path("text").asText()).contains("nowhere");

        // No body: the file on disk, as the next reload would read it.
        Files.writeString(file, config("c", "3s"));
        JsonNode fromFile = adminJson("POST", "/api/v1/config/validate");
        assertThat(fromFile.path("diff").asText()).containsPattern("(?m)^\\+\\s+name=c$");

        // Nothing was applied: still version 1, still routing /a.
        assertThat(adminJson("GET", "/api/v1/config/versions").path("versions")).hasSize(1);
        assertThat(gateway.get("/a/x").getStatus()).isEqualTo(200);
        assertThat(gateway.get("/b/x").getStatus()).isEqualTo(404);
        assertThat(TestGateway.send(gateway.adminRequest("/api/v1/config/validate").method("POST")).getStatus()).isEqualTo(401);
    }
}
