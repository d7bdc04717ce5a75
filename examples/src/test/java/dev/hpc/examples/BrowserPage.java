package dev.hpc.examples;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web view of a real cluster in the system's headless Chromium, as {@link WebViewIT} uses it: the
 * elements are found by the page's {@code data-testid}s (docs/web.md), every wait is on a condition
 * with a timeout. A compact cousin of head-node's test page object, whose test classes this module
 * cannot see. {@link #close()} quits the browser and deletes its profile.
 */
final class BrowserPage implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private final WebDriver driver;
    private final Path profile;
    private final Path screenshots;

    private BrowserPage(WebDriver driver, Path profile, Path screenshots) {
        this.driver = driver;
        this.profile = profile;
        this.screenshots = screenshots;
    }

    /** Why no browser test can run here, or empty when Debian's chromium and chromium-driver are installed. */
    static String whyNoBrowser() {
        if (!Files.isExecutable(CHROMIUM)) {
            return CHROMIUM + " is missing: apt-get install chromium chromium-driver";
        }
        if (!Files.isExecutable(CHROMEDRIVER)) {
            return CHROMEDRIVER + " is missing: apt-get install chromium-driver";
        }
        return "";
    }

    /**
     * Headless Chromium of the system driven by the system's chromedriver (both paths given, so Selenium
     * Manager looks nothing up); screenshots go to {@code screenshots}.
     */
    static BrowserPage start(Path screenshots) throws IOException {
        Path profile = Files.createTempDirectory("hpc-chromium-it-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toString());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-extensions", "--window-size=1440,1000", "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        try {
            return new BrowserPage(new ChromeDriver(service, options), profile, screenshots);
        } catch (RuntimeException e) {
            deleteTree(profile);
            throw e;
        }
    }

    // ---- the page

    /** Opens {@code url} and waits only until the document has loaded (a page without a token never goes live). */
    void load(String url) {
        driver.get(url);
    }

    /** Opens {@code url} and waits until the event stream is live and the first load is done. */
    void open(String url, Duration timeout) {
        driver.get(url);
        await("the event stream is live", timeout, () -> "live".equals(attribute("connection", "data-state")));
        await("the first load of jobs ends", timeout, () -> !text("queue-count").contains("loading"));
        ((JavascriptExecutor) driver).executeScript("window.__sameDocument = true;");
    }

    /** True while the document {@link #open} loaded is still shown: nothing reloaded or left it. */
    boolean notReloaded() {
        return Boolean.TRUE.equals(((JavascriptExecutor) driver)
                .executeScript("return window.__sameDocument === true;"));
    }

    String url() {
        return driver.getCurrentUrl();
    }

    /** The PBS letter of a job's row, or empty while it has no row. */
    String stateLetter(String jobId) {
        return text("job-state-" + jobId);
    }

    String stateName(String jobId) {
        return attribute("job-state-" + jobId, "data-state");
    }

    void openDetail(String jobId, Duration timeout) {
        await("the row of " + jobId + " is shown", timeout, () -> !stateLetter(jobId).isEmpty());
        click("job-row-" + jobId);
        await("the detail of " + jobId + " is open", timeout,
                () -> jobId.equals(text("detail-id")) && !text("detail-spec").isEmpty());
    }

    String detailLetter() {
        return attribute("detail-state", "data-letter");
    }

    String detailOutput() {
        return text("detail-output");
    }

    String nodeState(String node) {
        return attribute("node-" + node, "data-state");
    }

    String activeHead() {
        return attribute("active-head", "data-name");
    }

    long activeEpoch() {
        String e = attribute("active-head", "data-epoch");
        return e.isEmpty() ? -1 : Long.parseLong(e);
    }

    /** Clicks an enabled button or row, found again if the page re-rendered it meanwhile. */
    void click(String testId) {
        for (int attempt = 1; ; attempt++) {
            try {
                WebElement e = byTestId(testId).orElseThrow(() -> new AssertionError("no element " + testId));
                e.click();
                return;
            } catch (StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    boolean enabled(String testId) {
        return read(testId, WebElement::isEnabled, false);
    }

    // ---- the keyboard, the viewport, the colour scheme

    /** Presses keys as a keyboard user would: they go to whatever has the focus. */
    void press(CharSequence... keys) {
        new Actions(driver).sendKeys(keys).perform();
    }

    /** Answers the page's confirmation question with OK and returns its text. */
    String acceptConfirmation(Duration timeout) {
        org.openqa.selenium.Alert question = new WebDriverWait(driver, timeout, Duration.ofMillis(100))
                .until(org.openqa.selenium.support.ui.ExpectedConditions.alertIsPresent());
        String text = question.getText();
        question.accept();
        return text;
    }

    /** Shift+Tab: back to the previous control. */
    void pressShiftTab() {
        new Actions(driver).keyDown(Keys.SHIFT).sendKeys(Keys.TAB).keyUp(Keys.SHIFT).perform();
    }

    /** Presses Tab until the element with {@code testId} has the focus, at most {@code limit} times. */
    void tabTo(String testId, int limit) {
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < limit; i++) {
            press(Keys.TAB);
            String now = focused();
            path.append(now.isEmpty() ? "?" : now).append(' ');
            if (now.equals(testId)) {
                return;
            }
        }
        throw new AssertionError("Tab did not reach " + testId + " in " + limit + " presses; it went: " + path);
    }

    /** The data-testid of the focused element (or of the nearest ancestor that has one), empty if none. */
    String focused() {
        Object id = js("const e = document.activeElement; const t = e && e.closest('[data-testid]');"
                + " return t ? t.dataset.testid : '';");
        return id == null ? "" : id.toString();
    }

    /** Runs JavaScript in the page and returns what it returns. */
    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** The window at this size (the viewport of a phone is about 360 to 430 px wide), laid out again. */
    void resize(int width, int height) {
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(width, height));
        js("return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));");
    }

    /** The page as the system's dark (or light) theme shows it: {@code prefers-color-scheme}. */
    void darkScheme(boolean dark) {
        ((org.openqa.selenium.chromium.ChromiumDriver) driver).executeCdpCommand("Emulation.setEmulatedMedia",
                java.util.Map.of("features", List.of(java.util.Map.of("name", "prefers-color-scheme",
                        "value", dark ? "dark" : "light"))));
        js("return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));");
    }

    /** Runs a script of this module's test resources ({@code web/NAME}) in the page. */
    Object runResource(String name) throws IOException {
        try (var in = BrowserPage.class.getResourceAsStream("/web/" + name)) {
            if (in == null) {
                throw new IOException("no test resource web/" + name);
            }
            return js(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    // ---- plumbing

    /** The trimmed text of an element, or empty when it is not in the page. */
    String text(String testId) {
        return read(testId, e -> e.getText().trim(), "");
    }

    String attribute(String testId, String name) {
        return read(testId, e -> {
            String v = e.getAttribute(name);
            return v == null ? "" : v;
        }, "");
    }

    private <T> T read(String testId, java.util.function.Function<WebElement, T> reader, T absent) {
        for (int attempt = 1; ; attempt++) {
            try {
                return byTestId(testId).map(reader).orElse(absent);
            } catch (StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private java.util.Optional<WebElement> byTestId(String testId) {
        List<WebElement> found = driver.findElements(By.cssSelector("[data-testid=\"" + testId.replace("\\", "\\\\")
                .replace("\"", "\\\"") + "\"]"));
        return found.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(found.get(0));
    }

    /** Waits until {@code done}; on timeout fails with {@code what} and the page's connection state. */
    void await(String what, Duration timeout, Supplier<Boolean> done) {
        new WebDriverWait(driver, timeout, Duration.ofMillis(100))
                .withMessage(() -> what + " (the page at " + driver.getCurrentUrl() + " shows connection "
                        + attribute("connection", "data-state") + ", active head " + text("active-head") + ")")
                .ignoring(StaleElementReferenceException.class)
                .until(d -> Boolean.TRUE.equals(done.get()));
    }

    /** Saves the whole window as {@code NAME.png} in the screenshot directory. */
    Path screenshot(String name) throws IOException {
        Files.createDirectories(screenshots);
        Path file = screenshots.resolve(name + ".png");
        Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        return file;
    }

    /** Saves the window resized to {@code width} x {@code height} (for documentation), then restores its size. */
    Path screenshot(String name, int width, int height) throws IOException {
        org.openqa.selenium.Dimension before = driver.manage().window().getSize();
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(width, height));
        try {
            ((JavascriptExecutor) driver).executeScript("return new Promise(r => requestAnimationFrame(() => "
                    + "requestAnimationFrame(r)));"); // laid out and painted at the new size
            return screenshot(name);
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    /** Saves one element (the node grid) as {@code NAME.png}. */
    Path screenshot(String name, String testId) throws IOException {
        Files.createDirectories(screenshots);
        Path file = screenshots.resolve(name + ".png");
        Files.write(file, byTestId(testId).orElseThrow().getScreenshotAs(OutputType.BYTES));
        return file;
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            System.err.println("BrowserPage: cannot delete " + root + ": " + e);
        }
    }
}
