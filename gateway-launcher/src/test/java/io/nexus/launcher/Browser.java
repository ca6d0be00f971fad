package io.nexus.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Debian {@code chromium} driven through {@code chromedriver} (both from apt, see
 * scripts/test.sh), with the network recorded in the performance log. Waits are explicit
 * ({@link WebDriverWait}), never sleeps.
 */
final class Browser implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final Dimension DESKTOP = new Dimension(1280, 900);
    static final Dimension PHONE = new Dimension(390, 844);
    /** Where the screenshots shown in docs/dashboard.md go (surefire runs in the module's folder). */
    private static final Path SCREENSHOTS = Path.of("..", "docs", "images");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_SCREENSHOT_HEIGHT = 2400;

    private final ChromeDriver driver;

    Browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        // Root in a container: no sandbox. Nothing of Chromium's own may call home either, so
        // that what the performance log shows is the page's traffic alone.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-default-apps", "--disable-extensions", "--window-size=" + DESKTOP.width + "," + DESKTOP.height);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        // The apt chromedriver, not Selenium Manager (which would download one).
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
            .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
    }

    ChromeDriver driver() {
        return driver;
    }

    void open(String url) {
        driver.get(url);
    }

    WebDriverWait waiting() {
        return new WebDriverWait(driver, WAIT);
    }

    WebElement await(By locator) {
        return waiting().until(ExpectedConditions.visibilityOfElementLocated(locator));
    }

    void awaitText(By locator, String text) {
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(locator, text));
    }

    /** Types the token into the sign-in form and submits it. */
    void signIn(String token) {
        WebElement input = await(By.id("token"));
        input.clear();
        input.sendKeys(token);
        driver.findElement(By.cssSelector("#login button[type=submit]")).click();
    }

    void resize(Dimension size) {
        driver.manage().window().setSize(size);
    }

    /** The whole page (the window grown to its height for the shot), as docs/images/NAME.png. */
    void screenshot(String name) {
        Dimension size = driver.manage().window().getSize();
        long height = (Long) driver.executeScript("return document.documentElement.scrollHeight");
        long chrome = (Long) driver.executeScript("return window.outerHeight - window.innerHeight");
        driver.manage().window().setSize(new Dimension(size.width, (int) Math.min(height + chrome, MAX_SCREENSHOT_HEIGHT)));
        try {
            Files.createDirectories(SCREENSHOTS);
            Files.write(SCREENSHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            driver.manage().window().setSize(size);
        }
    }

    Object script(String script, Object... arguments) {
        return driver.executeScript(script, arguments);
    }

    /** URLs the page asked for since the last call (the performance log is drained by reading it). */
    List<String> requestedUrls() {
        List<String> urls = new ArrayList<>();
        for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE)) {
            JsonNode message = read(entry.getMessage()).path("message");
            if (message.path("method").asText().equals("Network.requestWillBeSent")) {
                urls.add(message.path("params").path("request").path("url").asText());
            }
        }
        return urls;
    }

    /** Response headers of the documents the page loaded, by URL, from the performance log. */
    Map<String, JsonNode> documentResponses() {
        Map<String, JsonNode> documents = new java.util.LinkedHashMap<>();
        for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE)) {
            JsonNode message = read(entry.getMessage()).path("message");
            JsonNode params = message.path("params");
            if (message.path("method").asText().equals("Network.responseReceived") && params.path("type").asText().equals("Document")) {
                documents.put(params.path("response").path("url").asText(), params.path("response").path("headers"));
            }
        }
        return documents;
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
