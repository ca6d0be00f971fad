package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The admin dashboard in a real browser (headless Debian chromium) against a real gateway and
 * real upstreams. Tagged slow: the overview's rates need two scrapes, seconds apart, and the
 * health check runs on its real timer. Screenshots go to docs/images/ (docs/dashboard.md).
 */
@Tag("slow")
class DashboardTest {

    static final String TOKEN = "dashboard-test-token-0123456789";
    static final String MARKUP = "<img src=x onerror=alert(1)>";

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder()
        .recordingUpstream("users")
        .recordingUpstream("a")
        .recordingUpstream("b")
        .perMethod()
        .build();

    static Browser browser;

    @TempDir
    Path dir;
    Path file;
    TestGateway gateway;

    @BeforeAll
    static void startBrowser() {
        browser = new Browser();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void start() throws Exception {
        browser.resize(Browser.DESKTOP);
        file = dir.resolve("gateway.conf");
        Files.writeString(file, config(ROUTES));
        gateway = nexus.startGatewayFromFile(file);
        // Away from the previous test's page (and its polling), then drop what the log holds.
        browser.open("about:blank");
        browser.requestedUrls();
    }

    static final String ROUTES = """
        { name = "users", path = "/users", upstream = "users", methods = [GET, POST],
          rate-limit { requests = 50, window = 1s, key = client-ip } }
        { name = "internal", path = "/internal", match = exact, host = "ops.example.com", upstream = "users", auth = ops,
          fault { abort-percent = 0 } }
        { name = "pair", path = "/pair", upstream = "pair" }
        { name = "markup", path = "/%s", upstream = "users" }
        { name = "shop", path = "/shop", split-sticky { header = "X-User" },
          split = [ { upstream = "users", weight = 90 }, { upstream = "pair", weight = 10, match-header { name = "X-Canary", value = "1" } } ]
          rewrite { regex = "^/cart$", replacement = "/basket" }, headers { request { set { "X-Env" = "prod" }, remove = ["X-Debug"] } }
          cors { allowed-origins = ["https://app.example.com"] }, mirror { upstream = "pair", percent = 5 } }
        """.formatted(MARKUP);

    /** The file the gateway watches: a route table over one plain upstream and a health-checked pair. */
    private String config(String routes) throws Exception {
        return config(routes, "");
    }

    /** The same file with {@code guard} as the body of nexus.config.guard. */
    private String config(String routes, String guard) throws Exception {
        return nexus.configText("""
            nexus {
              admin.token = "%s"
              config { watch = true, poll-interval = 200ms, guard { %s } }
              auth { ops { type = api-key, keys = [{ id = "ops", sha256 = "%s" }] } }
              upstreams {
                users { targets = [${upstreams.users}] }
                pair {
                  targets = [${upstreams.a}, ${upstreams.b}]
                  health-check.active { enabled = true, path = "/", interval = 1s, timeout = 2s, unhealthy-threshold = 1 }
                }
              }
              routes = [
            %s  ]
            }
            """.formatted(TOKEN, guard, AuthTest.sha256("ops-key-0123456789"), routes));
    }

    @Test
    void aVersionTheConfigGuardRolledBackIsMarkedInWordsWithItsReason() throws Exception {
        String guard = "enabled = true, window = 3s, min-requests = 20";
        Files.writeString(file, config(ROUTES, guard));
        AtomicBoolean traffic = new AtomicBoolean(true);
        AtomicLong sent = new AtomicLong();
        Thread client = Thread.ofVirtual().start(() -> {
            while (traffic.get()) {
                try {
                    gateway.get("/pair/x");
                    sent.incrementAndGet();
                } catch (Exception e) {
                    // The gateway counts what it answered; the client goes on.
                }
            }
        });
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> versionsJson().contains("\"current\":2"));
            // The guard compares with the traffic it saw before the change.
            long before = sent.get();
            await().atMost(Duration.ofSeconds(20)).until(() -> sent.get() >= before + 50);
            Files.writeString(file, config(ROUTES.replace("{ name = \"pair\", path = \"/pair\", upstream = \"pair\" }",
                "{ name = \"pair\", path = \"/pair\", upstream = \"pair\", fault { abort-percent = 100, abort-status = 503 } }"), guard));
            await().atMost(Duration.ofSeconds(20)).until(() -> versionsJson().contains("\"source\":\"guard\""));
        } finally {
            traffic.set(false);
            client.join(10_000);
        }
        openSignedIn("config");
        browser.await(By.cssSelector("tr[data-version='4'] .guard-rollback"));
        assertThat(cell("tr[data-version='4']", "Source")).startsWith("guard rollback: 5xx ratio of route \"pair\"");
    }

    private String versionsJson() throws Exception {
        return TestGateway.send(gateway.adminRequest("/api/v1/config/versions")
            .headers(h -> h.put("Authorization", "Bearer " + TOKEN))).getContentAsString().replace(" ", "").replace("\n", "");
    }

    private String ui(String page) {
        return "http://127.0.0.1:" + gateway.adminPort() + "/ui/#" + page;
    }

    private void openSignedIn(String page) {
        browser.open(ui(page));
        browser.signIn(TOKEN);
        browser.awaitText(By.id("status"), "Signed in.");
    }

    private String cell(String row, String column) {
        return text(row + " td[data-label='" + column + "']");
    }

    private String text(String css) {
        return browser.driver().findElement(By.cssSelector(css)).getText();
    }

    @Test
    void wrongTokenIsRefusedAndTheRightOneIsKeptInTheTabOnly() {
        browser.open(ui("routes"));
        browser.awaitText(By.id("routes-body"), "Sign in with the admin token");
        browser.screenshot("dashboard-signed-out");

        browser.signIn("not-the-token-0123456789");
        browser.awaitText(By.id("status"), "The gateway refused this token.");
        assertThat(browser.driver().findElement(By.id("routes-body")).getText()).contains("Sign in with the admin token");
        assertThat(browser.script("return sessionStorage.length")).isEqualTo(0L);

        browser.signIn(TOKEN);
        browser.awaitText(By.id("status"), "Signed in.");
        browser.await(By.cssSelector("#routes-body tr[data-route='users']"));
        assertThat(browser.script("return sessionStorage.getItem('nexus-admin-token')")).isEqualTo(TOKEN);
        assertThat(browser.script("return localStorage.length")).isEqualTo(0L);
        assertThat(browser.script("return document.cookie")).isEqualTo("");
        assertThat(browser.driver().getCurrentUrl()).doesNotContain(TOKEN);

        browser.driver().findElement(By.id("logout")).click();
        browser.awaitText(By.id("routes-body"), "Sign in with the admin token");
        assertThat(browser.script("return sessionStorage.length")).isEqualTo(0L);
    }

    @Test
    void routesPageShowsTheRouteTableOfTheConfig() {
        openSignedIn("routes");
        browser.await(By.cssSelector("tr[data-route='markup']"));
        String users = "tr[data-route='users']";
        assertThat(cell(users, "Path")).isEqualTo("/users");
        assertThat(cell(users, "Match")).isEqualTo("prefix");
        assertThat(cell(users, "Methods")).isEqualTo("GET POST");
        assertThat(cell(users, "Host")).isEqualTo("any");
        assertThat(cell(users, "Upstream or split")).isEqualTo("users");
        assertThat(cell(users, "Traffic policy")).isEqualTo("none");
        assertThat(cell(users, "Middlewares (in run order)")).isEqualTo("rate-limit");
        assertThat(cell(users, "Rate limit")).isEqualTo("50 per 1000 ms by client-ip");
        assertThat(cell(users, "Auth provider")).isEqualTo("none");
        String internal = "tr[data-route='internal']";
        assertThat(cell(internal, "Path")).isEqualTo("/internal");
        assertThat(cell(internal, "Match")).isEqualTo("exact");
        assertThat(cell(internal, "Methods")).isEqualTo("any");
        assertThat(cell(internal, "Host")).isEqualTo("ops.example.com");
        // Run order: auth (priority 400) before fault (500), whatever order the config wrote.
        assertThat(browser.driver().findElements(By.cssSelector(internal + " td[data-label='Middlewares (in run order)'] li")))
            .extracting(WebElement::getText).containsExactly("auth", "fault");
        assertThat(cell(internal, "Auth provider")).isEqualTo("ops (api-key)");
        assertThat(cell("tr[data-route='pair']", "Targets")).contains(nexus.upstream("a").url()).contains(nexus.upstream("b").url());
        // A split shows each side with its weight and the header that picks it, the targets by side,
        // and the other policies in short (header edits by name: the API never gives their values).
        String shop = "tr[data-route='shop']";
        assertThat(cell(shop, "Upstream or split")).isEqualTo("users weight 90\npair weight 10, header X-Canary: 1\nsticky by header X-User");
        assertThat(cell(shop, "Traffic policy")).isEqualTo(
            "request headers: remove X-Debug; set X-Env\nrewrite ^/cart$ → /basket\nCORS https://app.example.com\nmirror 5 % to pair");
        String sides = shop + " td[data-label='Targets'] li[data-side='%s']";
        assertThat(text(sides.formatted("users"))).isEqualTo("users:\n" + nexus.upstream("users").url() + " healthy");
        assertThat(text(sides.formatted("pair"))).startsWith("pair:\n").contains(nexus.upstream("a").url())
            .contains(nexus.upstream("b").url());
        assertThat(browser.driver().findElements(By.cssSelector("#routes-body tbody tr"))).hasSize(5);
        browser.screenshot("dashboard-routes");
    }

    @Test
    void markupInTheConfigShowsAsText() throws Exception {
        openSignedIn("routes");
        browser.await(By.cssSelector("tr[data-route='markup']"));
        assertThat(cell("tr[data-route='markup']", "Path")).isEqualTo("/" + MARKUP);

        // Route names cannot hold markup (the config refuses them); the validate box shows the
        // refusal, which quotes what was pasted, as text too.
        browser.open(ui("config"));
        WebElement input = browser.await(By.id("validate-input"));
        input.sendKeys("nexus { upstreams { u { targets = [\"http://127.0.0.1:1\"] } }, routes = [{ name = \"" + MARKUP
            + "\", path = \"/x\", upstream = u, match = \"" + MARKUP + "\" }] }");
        browser.driver().findElement(By.cssSelector("#validate-form button[type=submit]")).click();
        browser.awaitText(By.id("validate-output"), "Not valid");
        assertThat(browser.driver().findElement(By.id("validate-output")).getText()).contains("was \"" + MARKUP + "\"");

        assertThat(browser.driver().findElements(By.cssSelector("main img"))).isEmpty();
        assertThat(ExpectedConditions.alertIsPresent().apply(browser.driver())).isNull();
    }

    @Test
    void stoppedTargetTurnsUnhealthyWithinTheHealthCheckInterval() throws Exception {
        openSignedIn("upstreams");
        By targetB = By.cssSelector("section[data-upstream='pair'] tr[data-target='" + nexus.upstream("b").url() + "']");
        browser.await(targetB);
        browser.awaitText(targetB, "healthy");
        assertThat(browser.driver().findElement(targetB).getText()).doesNotContain("unhealthy");
        browser.script("window.sameDocument = true");

        long stopped = System.nanoTime();
        nexus.upstream("b").close();
        // A refused probe fails at once: one round (interval 1 s, one failure takes it out) and a 2 s poll of the page.
        new org.openqa.selenium.support.ui.WebDriverWait(browser.driver(), Duration.ofSeconds(5))
            .until(ExpectedConditions.textToBePresentInElementLocated(targetB, "unhealthy"));
        long millis = Duration.ofNanos(System.nanoTime() - stopped).toMillis();
        assertThat(browser.driver().findElement(targetB).getText()).contains("failing");
        assertThat(browser.script("return window.sameDocument")).as("no page reload").isEqualTo(true);
        assertThat(cell("section[data-upstream='pair'] tr[data-target='" + nexus.upstream("a").url() + "']", "Health")).contains("healthy")
            .doesNotContain("unhealthy");
        System.out.println("DashboardTest: target shown unhealthy " + millis + " ms after it stopped");
        browser.screenshot("dashboard-upstreams");
    }

    @Test
    void configEditShowsAsANewVersionWithItsDiff() throws Exception {
        openSignedIn("config");
        browser.awaitText(By.id("live-version"), "Live: version 1");
        Files.writeString(file, config(ROUTES + "    { name = \"orders\", path = \"/orders\", upstream = \"users\" }\n"));

        browser.await(By.cssSelector("tr[data-version='2']"));
        browser.awaitText(By.id("live-version"), "Live: version 2");
        // The page shows the newest change by default: version 1 to version 2.
        browser.awaitText(By.id("diff-output"), "Version 1 → version 2");
        assertThat(browser.driver().findElements(By.cssSelector("#diff-output .line.add"))).extracting(WebElement::getText)
            .anyMatch(line -> line.matches("\\+\\s+name=orders")).anyMatch(line -> line.matches("\\+\\s+path=\"/orders\""));
        assertThat(browser.driver().findElements(By.cssSelector("#diff-output .line.del"))).isEmpty();
        browser.screenshot("dashboard-config-diff");

        // Any two versions, either way round.
        browser.driver().findElement(By.cssSelector("#diff-from option[value='2']")).click();
        browser.driver().findElement(By.cssSelector("#diff-to option[value='1']")).click();
        browser.driver().findElement(By.cssSelector("#diff-form button[type=submit]")).click();
        browser.awaitText(By.id("diff-output"), "Version 2 → version 1");
        assertThat(browser.driver().findElements(By.cssSelector("#diff-output .line.del"))).extracting(WebElement::getText)
            .anyMatch(line -> line.matches("-\\s+name=orders"));
    }

    @Test
    void rollbackFromTheUiMakesTheOldRouteTableLive() throws Exception {
        assertThat(gateway.get("/users/1").getStatus()).isEqualTo(200);
        assertThat(gateway.get("/orders/1").getStatus()).isEqualTo(404);
        Files.writeString(file, config("    { name = \"orders\", path = \"/orders\", upstream = \"users\" }\n"));
        openSignedIn("config");
        browser.awaitText(By.id("live-version"), "Live: version 2");
        assertThat(gateway.get("/users/1").getStatus()).isEqualTo(404);
        assertThat(gateway.get("/orders/1").getStatus()).isEqualTo(200);

        // Declining changes nothing.
        browser.driver().findElement(By.id("rollback-1")).click();
        WebElement dialog = browser.await(By.id("confirm"));
        assertThat(dialog.getText()).contains("Roll back from version 2 (live) to version 1?");
        browser.screenshot("dashboard-rollback-confirm");
        browser.driver().findElement(By.id("confirm-cancel")).click();
        browser.waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.id("confirm")));
        assertThat(adminJson("/api/v1/config/versions").path("current").asInt()).isEqualTo(2);

        browser.driver().findElement(By.id("rollback-1")).click();
        browser.await(By.id("confirm-ok")).click();
        browser.awaitText(By.id("status"), "Rollback to version 1 applied: version 3 is live.");
        browser.awaitText(By.id("live-version"), "Live: version 3");
        assertThat(cell("tr[data-version='3']", "Restored from")).isEqualTo("version 1");
        assertThat(gateway.get("/users/1").getStatus()).isEqualTo(200);
        assertThat(gateway.get("/orders/1").getStatus()).isEqualTo(404);
        assertThat(adminJson("/api/v1/config").path("sha256").asText()).isEqualTo(adminJson("/api/v1/config/versions/1").path("sha256").asText());
    }

    @Test
    void overviewShowsTrafficPerRouteAndTheLiveVersion() throws Exception {
        openSignedIn("overview");
        String sha256 = adminJson("/api/v1/config").path("sha256").asText();
        browser.awaitText(By.id("overview-facts"), sha256);
        for (int i = 0; i < 20; i++) {
            gateway.get("/users/" + i);
        }
        nexus.upstream("users").answerAll(503);
        for (int i = 0; i < 5; i++) {
            gateway.get("/users/fail");
        }
        // Two scrapes 5 s apart make a window: the route's row then shows its rate and errors.
        By users = By.cssSelector("#overview-body tr[data-route='users']");
        browser.await(users);
        browser.waiting().until(driver -> cell("#overview-body tr[data-route='users']", "Error ratio (5xx)").startsWith("20.0 %"));
        assertThat(browser.driver().findElement(By.id("overview-facts")).getText())
            .contains("Live config version\n1").contains("Uptime").contains("In flight\n0");
        assertThat(cell("#overview-body tr[data-route='users']", "p99 latency")).contains("ms (shared: routes without a group)");
        browser.screenshot("dashboard-overview");
    }

    @Test
    void nothingIsFetchedFromAnotherHostAndThePagesCarryTheirSecurityHeaders() throws Exception {
        String origin = "http://127.0.0.1:" + gateway.adminPort() + "/";
        openSignedIn("overview");
        for (String page : List.of("routes", "upstreams", "config", "overview")) {
            browser.driver().findElement(By.cssSelector("nav a[data-page='" + page + "']")).click();
            browser.await(By.cssSelector("#" + page + "-body > *"));
        }
        List<String> urls = browser.requestedUrls();
        assertThat(urls).contains(origin + "ui/", origin + "ui/app.js", origin + "ui/style.css", origin + "metrics",
            origin + "api/v1/routes", origin + "api/v1/upstreams", origin + "api/v1/config/versions");
        assertThat(urls).allMatch(url -> url.startsWith(origin), "every request goes to the admin port itself");

        browser.open(origin + "ui/");
        Map<String, JsonNode> documents = browser.documentResponses();
        JsonNode headers = documents.get(origin + "ui/");
        assertThat(headers).as("the document's response in the performance log: " + documents.keySet()).isNotNull();
        assertThat(headers.path("Content-Security-Policy").asText()).contains("default-src 'self'").contains("frame-ancestors 'none'");

        ContentResponse page = TestGateway.send(gateway.adminRequest("/ui/"));
        assertThat(page.getHeaders().get("Content-Security-Policy")).isEqualTo(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; "
                + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        assertThat(page.getHeaders().get("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(page.getHeaders().get("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(TestGateway.send(gateway.adminRequest("/ui")).getHeaders().get("Location")).endsWith("/ui/");
        // The policy is enforced: a script added inline does not run.
        browser.script("const s = document.createElement('script'); s.textContent = 'window.inlineRan = true'; document.body.append(s);");
        assertThat(browser.script("return window.inlineRan === true")).isEqualTo(false);
    }

    @Test
    void pagesWorkFromTheKeyboardAndAtPhoneWidth() {
        browser.open(ui("routes"));
        browser.await(By.id("token"));
        // Every control has a label or text of its own.
        assertThat(browser.script("return [...document.querySelectorAll('input, select, textarea')].filter(e => e.labels.length === 0).length"))
            .isEqualTo(0L);
        // From the top of the page, Tab reaches the pages and the token field; typing there and Enter signs in.
        new Actions(browser.driver()).sendKeys(Keys.TAB).perform();
        List<String> reached = new java.util.ArrayList<>();
        for (int i = 0; i < 8 && !"token".equals(browser.script("return document.activeElement.id")); i++) {
            reached.add((String) browser.script("return document.activeElement.textContent.trim()"));
            new Actions(browser.driver()).sendKeys(Keys.TAB).perform();
        }
        assertThat(reached).contains("Overview", "Routes", "Upstreams", "Config");
        new Actions(browser.driver()).sendKeys(TOKEN + Keys.ENTER).perform();
        browser.awaitText(By.id("status"), "Signed in.");
        browser.await(By.cssSelector("tr[data-route='users']"));

        assertThat(browser.script("return document.documentElement.scrollWidth <= window.innerWidth")).isEqualTo(true);
        browser.resize(Browser.PHONE);
        browser.waiting().until(driver -> Boolean.TRUE.equals(browser.script(
            "return getComputedStyle(document.querySelector('#routes-body td')).display === 'block'")));
        assertThat(browser.script("return document.documentElement.scrollWidth <= window.innerWidth")).as("no sideways scrolling").isEqualTo(true);
        browser.screenshot("dashboard-routes-phone");
    }

    private JsonNode adminJson(String path) throws Exception {
        ContentResponse response = TestGateway.send(gateway.adminRequest(path).headers(h -> h.put("Authorization", "Bearer " + TOKEN)));
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
        return ConfigVersionsTest.JSON.readTree(response.getContentAsString());
    }
}
