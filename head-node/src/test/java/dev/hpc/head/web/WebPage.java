package dev.hpc.head.web;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web view as a test sees it: one method per thing a person does or looks at, found by the
 * page's {@code data-testid}s (docs/web.md lists them). Every wait is on a condition with a timeout.
 * Reusable by the integration tests with real workers and two heads.
 */
public final class WebPage {
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private final WebDriver driver;
    private final String baseUrl;
    private String token = "";
    private final WebDriverWait wait;

    public WebPage(WebDriver driver, String baseUrl, Duration timeout) {
        this.driver = driver;
        this.baseUrl = baseUrl;
        this.wait = new WebDriverWait(driver, timeout, Duration.ofMillis(50));
    }

    /** Why no browser test can run here, or empty when Debian's chromium and chromium-driver are installed. */
    public static String whyNoBrowser() {
        if (!Files.isExecutable(CHROMIUM)) {
            return CHROMIUM + " is missing: apt-get install chromium chromium-driver";
        }
        if (!Files.isExecutable(CHROMEDRIVER)) {
            return CHROMEDRIVER + " is missing: apt-get install chromium-driver";
        }
        return "";
    }

    /**
     * Headless Chromium of the system, driven by the system's chromedriver: both paths are given, so
     * Selenium Manager has nothing to look up or download.
     */
    public static WebDriver startChromium(Path profileDir) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toString());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-extensions", "--window-size=1440,1000", "--user-data-dir=" + profileDir.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    public WebDriver driver() {
        return driver;
    }

    // ------------------------------------------------------------------ the page

    /** Opens the page and waits until the event stream is live and the first load is done. */
    public WebPage open() {
        return open("");
    }

    /** Opens {@code /} plus the given query, for example {@code ?heads=127.0.0.1:8640,127.0.0.1:8641}. */
    public WebPage open(String query) {
        // the page takes a token from its address once (as when it moves to another head) and forgets it there
        driver.get(baseUrl + "/" + query + (token.isEmpty() || query.contains("#") ? "" : "#token=" + token));
        awaitLive();
        awaitUntil("the first load of jobs ends", d -> !text("queue-count").contains("loading"));
        ((JavascriptExecutor) driver).executeScript("window.__sameDocument = true;");
        return this;
    }

    /** Opens the page with no token kept, as a first visit does, and waits until it asks for one. */
    public WebPage openSignedOut() {
        driver.get(baseUrl + "/?forget");
        ((JavascriptExecutor) driver).executeScript("localStorage.clear();");
        driver.get(baseUrl + "/?signed-out");
        awaitUntil("the page asks for a token", d -> "login".equals(attribute("connection", "data-state"))
                && !text("login").isEmpty() ? Boolean.TRUE : null);
        return this;
    }

    /** True while the document opened by {@link #open()} is still shown: nothing reloaded it. */
    public boolean notReloaded() {
        return Boolean.TRUE.equals(((JavascriptExecutor) driver).executeScript("return window.__sameDocument === true;"));
    }

    public void awaitLive() {
        awaitUntil("the event stream is live", d -> "live".equals(attribute("connection", "data-state")));
    }

    public String connectionState() {
        return attribute("connection", "data-state");
    }

    /** The token {@link #open} gives the page; a test may paste another with {@link #setToken}. */
    public WebPage withToken(String t) {
        this.token = t;
        return this;
    }

    /** Pastes a token into the box at the top, as a user would; waits until the page uses it. */
    public void setToken(String t) {
        WebElement box = byTestId("token-input");
        box.clear();
        box.sendKeys(t);
        awaitUntil("the page took the token", d -> text("whoami").isEmpty() || !byTestId("token-input")
                .getAttribute("value").isEmpty() ? null : Boolean.TRUE);
        awaitLive();
    }

    /** Whose token the page uses, as the head says: {@code alice (user)}. */
    public String whoami() {
        return text("whoami");
    }

    // ------------------------------------------------------------------ the queue

    public WebElement awaitJobRow(String jobId) {
        return awaitUntil("the row of job " + jobId + " is shown", d -> present("job-row-" + jobId));
    }

    public String stateLetter(String jobId) {
        return text("job-state-" + jobId);
    }

    /** Waits until the queue shows the job with this PBS letter (Q, H, R, C...). */
    public void awaitStateLetter(String jobId, String letter) {
        awaitUntil("job " + jobId + " shows state " + letter + " in the queue", d -> {
            WebElement cell = present("job-state-" + jobId);
            return cell != null && letter.equals(cell.getText().trim()) ? cell : null;
        });
    }

    /** The full state name behind the letter (QUEUED, CANCELLED...). */
    public String stateName(String jobId) {
        return attribute("job-state-" + jobId, "data-state");
    }

    public List<String> visibleJobIds() {
        Object ids = ((JavascriptExecutor) driver).executeScript("return [...document.querySelectorAll("
                + "\"#queue-window [data-testid^='job-row-']\")].map(e => e.dataset.testid.substring(8));");
        return ((List<?>) ids).stream().map(String::valueOf).toList();
    }

    public void filterUser(String user) {
        WebElement box = byTestId("filter-user");
        box.clear();
        box.sendKeys(user);
    }

    public void filterState(String stateValue) {
        new Select(byTestId("filter-state")).selectByValue(stateValue);
    }

    public void sortBy(String column) {
        click("sort-" + column);
    }

    public String arraySummary(String arrayJobId) {
        return text("array-summary-" + arrayJobId);
    }

    public void toggleArray(String arrayJobId) {
        click("expand-" + arrayJobId);
    }

    // ------------------------------------------------------------------ the detail panel

    /** Clicks the job's row and waits for its detail with the spec. */
    public WebElement openDetail(String jobId) {
        awaitJobRow(jobId);
        click("job-row-" + jobId);
        awaitUntil("the detail of " + jobId + " is open", d -> {
            WebElement panel = byTestId("job-detail");
            return panel.isDisplayed() && jobId.equals(text("detail-id")) && present("detail-spec") != null
                    ? panel : null;
        });
        return byTestId("job-detail");
    }

    public String detailText() {
        return read("job-detail", WebElement::getText);
    }

    /** The PBS letter the detail panel shows. */
    public String detailLetter() {
        return attribute("detail-state", "data-letter");
    }

    public void awaitDetailLetter(String letter) {
        awaitUntil("the detail shows state " + letter, d -> letter.equals(detailLetter()) ? Boolean.TRUE : null);
    }

    /** Cancel, and OK to the page's question (a cancel cannot be undone, so the page asks). */
    public void cancel() {
        clickEnabled("cancel-button");
        org.openqa.selenium.Alert question = wait.until(org.openqa.selenium.support.ui.ExpectedConditions
                .alertIsPresent());
        question.accept();
    }

    /** Clicks a button that asks first (disabling or stopping a queue) and says OK to the question. */
    public void clickAndConfirm(String testId) {
        clickEnabled(testId);
        wait.until(org.openqa.selenium.support.ui.ExpectedConditions.alertIsPresent()).accept();
    }

    public void hold() {
        clickEnabled("hold-button");
    }

    public void release() {
        clickEnabled("release-button");
    }

    public boolean enabled(String buttonTestId) {
        return read(buttonTestId, WebElement::isEnabled);
    }

    /** Waits for the message the page shows after a refused action and returns it. */
    public String awaitActionError() {
        return awaitUntil("an error message is shown", d -> {
            WebElement box = byTestId("action-error");
            return box.isDisplayed() && !box.getAttribute("class").contains("info") && !box.getText().isBlank()
                    ? box.getText() : null;
        });
    }

    // ------------------------------------------------------------------ paging and bulk actions (issue 23)

    /** The status under the queue: {@code rows 51–100 of 120}. */
    public String pageStatus() {
        return text("page-status");
    }

    public void awaitPageStatus(String status) {
        String[] seen = {""};
        try {
            awaitUntil("the queue says " + status, d -> {
                seen[0] = pageStatus();
                return status.equals(seen[0]) ? Boolean.TRUE : null;
            });
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("the queue says \"" + seen[0] + "\", not \"" + status + "\"", e);
        }
    }

    /** Ticks (or unticks) a job's box, as a click does. */
    public void tick(String jobId) {
        click("pick-" + jobId);
    }

    public boolean ticked(String jobId) {
        return read("pick-" + jobId, WebElement::isSelected);
    }

    /**
     * Presses a bulk action's button, waits for the page's question and says OK to it; returns the question,
     * which names how many jobs and which.
     */
    public String bulkAndConfirm(String action) {
        click("bulk-" + action);
        org.openqa.selenium.Alert question = wait.until(org.openqa.selenium.support.ui.ExpectedConditions
                .alertIsPresent());
        String text = question.getText();
        question.accept();
        return text;
    }

    /** Waits until the bulk action's result is reported (it starts with the verb: {@code Cancel: 3 cancelled}). */
    public String awaitBulkResult(String start) {
        return awaitUntil("the bulk result starting with " + start, d -> {
            String t = text("bulk-result");
            return t.startsWith(start) ? t : null;
        });
    }

    public void closeDetail() {
        click("close-detail");
        awaitUntil("the detail is closed", d -> !byTestId("job-detail").isDisplayed());
    }

    // ------------------------------------------------------------------ nodes, heads, totals

    public WebElement awaitNode(String node) {
        return awaitUntil("node " + node + " is shown", d -> present("node-" + node));
    }

    /** free, busy, draining, offline or down. */
    public String nodeState(String node) {
        return attribute("node-" + node, "data-state");
    }

    public void awaitNodeState(String node, String state) {
        awaitUntil("node " + node + " is shown as " + state, d -> {
            WebElement tile = present("node-" + node);
            return tile != null && state.equals(tile.getAttribute("data-state")) ? tile : null;
        });
    }

    public String nodeTasks(String node) {
        return text("node-tasks-" + node);
    }

    /** The name of the head the page calls active. */
    public String activeHead() {
        return attribute("active-head", "data-name");
    }

    public void awaitActiveHead(String name) {
        awaitUntil("head " + name + " is shown as active", d -> name.equals(activeHead()) ? Boolean.TRUE : null);
    }

    /** The count the totals card shows for a job state (QUEUED, HELD...). */
    public int jobCount(String state) {
        return read("jobs-" + state, e -> Integer.parseInt(e.findElement(By.tagName("b")).getText().trim()));
    }

    public void awaitJobCount(String state, int count) {
        awaitUntil(count + " jobs " + state + " in the totals", d -> jobCount(state) == count ? Boolean.TRUE : null);
    }

    // ------------------------------------------------------------------ plumbing

    public WebElement byTestId(String testId) {
        return driver.findElement(By.cssSelector("[data-testid=\"" + cssEscape(testId) + "\"]"));
    }

    public WebElement present(String testId) {
        List<WebElement> found = driver.findElements(By.cssSelector("[data-testid=\"" + cssEscape(testId) + "\"]"));
        return found.isEmpty() ? null : found.get(0);
    }

    /** The trimmed text of an element, read again if the page re-rendered it meanwhile. */
    public String text(String testId) {
        return read(testId, e -> e.getText().trim());
    }

    /** Reads an element the page may re-render meanwhile (rows are redrawn every second): retries a stale one. */
    public <T> T read(String testId, java.util.function.Function<WebElement, T> reader) {
        for (int attempt = 1; ; attempt++) {
            try {
                return reader.apply(byTestId(testId));
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    public String attribute(String testId, String name) {
        return read(testId, e -> e.getAttribute(name));
    }

    private void clickEnabled(String testId) {
        awaitUntil(testId + " is enabled", d -> byTestId(testId).isEnabled() ? Boolean.TRUE : null);
        click(testId);
    }

    /** Clicks an element, found again if the page re-rendered it between finding and clicking. */
    public void click(String testId) {
        read(testId, e -> {
            e.click();
            return Boolean.TRUE;
        });
    }

    private static String cssEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    public <T> T awaitUntil(String what, ExpectedCondition<T> condition) {
        return wait.withMessage(what).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(condition);
    }

    // ------------------------------------------------------------------ layout, theme, accessibility

    /** The window at this size (a phone's viewport is about 360 to 430 px wide), laid out again. */
    public void resize(int width, int height) {
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(width, height));
        afterLayout();
    }

    /** The page as the system's dark (or light) theme shows it: {@code prefers-color-scheme}. */
    public void darkScheme(boolean dark) {
        ((org.openqa.selenium.chromium.ChromiumDriver) driver).executeCdpCommand("Emulation.setEmulatedMedia",
                java.util.Map.of("features", List.of(java.util.Map.of("name", "prefers-color-scheme",
                        "value", dark ? "dark" : "light"))));
        afterLayout();
    }

    private void afterLayout() {
        ((JavascriptExecutor) driver).executeAsyncScript("const done = arguments[arguments.length - 1];"
                + " requestAnimationFrame(() => requestAnimationFrame(() => done(true)));");
    }

    /** Runs JavaScript in the page and returns what it returns. */
    public Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Puts the keyboard's focus on an element, as a click or a Tab would. */
    public void focus(String testId) {
        read(testId, e -> ((JavascriptExecutor) driver).executeScript("arguments[0].focus();", e));
    }

    /** Presses a key where the focus is, as a keyboard does (not into a given element). */
    public void pressKey(CharSequence key) {
        new org.openqa.selenium.interactions.Actions(driver).sendKeys(key).perform();
    }

    /** Shift+Tab: the focus goes back one stop. */
    public void pressShiftTab() {
        new org.openqa.selenium.interactions.Actions(driver).keyDown(org.openqa.selenium.Keys.SHIFT)
                .sendKeys(org.openqa.selenium.Keys.TAB).keyUp(org.openqa.selenium.Keys.SHIFT).perform();
    }

    /** The data-testid of the focused element or of the nearest element around it that has one. */
    public String focusedTestId() {
        Object id = js("const e = document.activeElement; const t = e && e.closest('[data-testid]');"
                + " return t ? t.dataset.testid : '';");
        return id == null ? "" : id.toString();
    }

    /** The page's width beyond its viewport in CSS pixels: 0 when nothing sticks out sideways. */
    public long overflowWidth() {
        return (Long) ((JavascriptExecutor) driver).executeScript(
                "return Math.max(0, document.documentElement.scrollWidth - window.innerWidth);");
    }

    /**
     * Runs axe-core (vendored in the test resources, see {@code axe/README.md}) on the page as it is now
     * and returns its violations of serious or critical impact, one line each with the rule, its help,
     * and the elements at fault (with axe's summary of what to fix). Empty when the page passes.
     */
    @SuppressWarnings("unchecked")
    public List<String> seriousAxeViolations() throws IOException {
        JavascriptExecutor js = (JavascriptExecutor) driver;
        if (!Boolean.TRUE.equals(js.executeScript("return typeof window.axe === 'object';"))) {
            try (var in = WebPage.class.getResourceAsStream("/axe/axe.min.js")) {
                if (in == null) {
                    throw new IOException("no test resource axe/axe.min.js: see head-node/src/test/resources/axe");
                }
                js.executeScript(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        Object found = js.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + " axe.run(document, { resultTypes: ['violations'] })"
                + "  .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')"
                + "    .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' (' + v.helpUrl + ')'"
                + "      + v.nodes.map(n => '\\n    ' + n.target.join(' ') + ' -- ' + n.failureSummary"
                + "        .replace(/\\s+/g, ' ')).join(''))))"
                + "  .catch(e => done(['axe failed to run: ' + e]));");
        return ((List<Object>) found).stream().map(String::valueOf).toList();
    }

    /** Saves the whole window as {@code target/screenshots/NAME.png} and returns the file. */
    public Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path file = SCREENSHOTS.resolve(name + ".png");
        Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        return file;
    }

    /** Saves one element (the node grid, the detail panel) as {@code target/screenshots/NAME.png}. */
    public Path screenshot(String name, String testId) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path file = SCREENSHOTS.resolve(name + ".png");
        Files.write(file, byTestId(testId).getScreenshotAs(OutputType.BYTES));
        return file;
    }
}
