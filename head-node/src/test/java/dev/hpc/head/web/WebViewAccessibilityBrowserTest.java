package dev.hpc.head.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;

/**
 * Issue 23: the accessibility engine axe-core (vendored, see {@code src/test/resources/axe/README.md})
 * run in the real Chromium over the queue view, the job dialog and the token screen, at a desktop's and
 * a phone's width, in the light and the dark theme. Any violation of serious or critical impact fails
 * the test, and every one found is printed with the elements at fault.
 */
@ExtendWith(Chromium.class)
class WebViewAccessibilityBrowserTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final List<Integer> WIDTHS = List.of(1366, 400);

    @TempDir
    static Path dir;
    private static RunningHead head;
    private static WebPage page;
    private static String queued;
    private static String array;

    @BeforeAll
    static void start(WebDriver browser) throws Exception {
        head = RunningHead.start(Files.createDirectories(dir.resolve("head")), "a11y");
        // one job of each kind the queue draws differently: queued, held, cancelled, an array
        queued = head.submit("alice", "render-frames", List.of("-l", "nodes=1:ppn=2,walltime=00:30:00"));
        head.submit("alice", "held", List.of("-h"));
        String cancelled = head.submit("bob", "cancelled", List.of());
        head.post("/api/v1/jobs/" + cancelled + "/cancel", "bob", "");
        array = head.submit("carol", "sweep", List.of("-t", "1-4"));
        page = new WebPage(browser, head.baseUrl(), TIMEOUT).withToken(head.tokenFor("alice"));
    }

    @AfterAll
    static void stop() {
        if (page != null) {
            page.darkScheme(false);
            page.resize(1440, 1000);
        }
        if (head != null) {
            head.close();
        }
    }

    @Test
    void theQueueTheJobDialogAndTheTokenScreenHaveNoSeriousViolationsAtEitherWidthInEitherTheme() throws Exception {
        List<String> violations = new ArrayList<>();
        for (int width : WIDTHS) {
            page.resize(width, 900);
            for (boolean dark : List.of(false, true)) {
                page.darkScheme(dark);
                String where = width + " px, " + (dark ? "dark" : "light") + ", ";

                page.open();
                page.awaitJobRow(queued);
                page.toggleArray(array);
                page.awaitJobRow(array.replace("[]", "[2]"));
                violations.addAll(check(where + "the queue"));

                page.openDetail(queued);
                violations.addAll(check(where + "the job dialog"));
                page.closeDetail();

                page.openSignedOut();
                violations.addAll(check(where + "the token screen"));
            }
        }
        assertEquals(List.of(), violations, "axe-core found violations of serious or critical impact");
    }

    /**
     * Issue 23: at 400 px the queue was a table cut to four columns. Each job is now a card with its id,
     * name, user, state in words, queue and times; the page is no wider than the screen, and a card is
     * reached with Tab and opened with Enter.
     */
    @Test
    void onAPhoneEachJobIsACardThatFitsTheScreenAndOpensByKeyboard() throws Exception {
        page.darkScheme(false);
        page.resize(400, 860);
        page.open();
        page.awaitJobRow(queued);
        assertEquals(0, page.overflowWidth(), "the page is wider than the 400 px viewport");

        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> card = (java.util.Map<String, Object>) page.js(
                "const row = document.querySelector(`[data-testid=\"job-row-${arguments[0]}\"]`);"
                + " const r = row.getBoundingClientRect();"
                + " const shown = [...row.children].filter(c => c.getBoundingClientRect().width > 0"
                + "   && getComputedStyle(c).display !== 'none');"
                + " const word = row.querySelector('.st-name').getBoundingClientRect();"
                + " return { height: r.height, right: r.right, width: window.innerWidth, cells: shown.length,"
                + "   text: row.innerText, wordWidth: word.width };", queued);
        String text = String.valueOf(card.get("text"));
        assertTrue(((Number) card.get("height")).doubleValue() > 60, "a card, not a table row: " + card);
        assertTrue(((Number) card.get("right")).doubleValue() <= ((Number) card.get("width")).doubleValue(),
                "the card sticks out of the screen: " + card);
        assertEquals(9, ((Number) card.get("cells")).intValue(), "every field of the job is on its card: " + card);
        for (String part : List.of(queued, "render-frames", "alice", "queued", "batch", "1×2")) {
            assertTrue(text.contains(part), "the card lacks '" + part + "': " + text);
        }
        assertTrue(((Number) card.get("wordWidth")).doubleValue() > 20, "the state is told in words: " + card);
        page.js("document.querySelector('.queue-section').scrollIntoView();");
        page.screenshot("web-400-cards");

        // Tab from the last filter through the sort buttons to the first card, then Enter opens it
        page.focus("filter-queue");
        String focused = "";
        for (int i = 0; i < 20 && !focused.startsWith("job-row-"); i++) {
            page.pressKey(Keys.TAB);
            focused = page.focusedTestId();
        }
        assertTrue(focused.startsWith("job-row-"), "Tab never reached a card; it stopped at " + focused);
        String opened = focused.substring("job-row-".length());
        page.pressKey(Keys.ENTER);
        page.awaitUntil("Enter opens the job dialog of " + opened, d -> page.byTestId("job-detail").isDisplayed()
                && opened.equals(page.text("detail-id")) ? Boolean.TRUE : null);
        assertEquals(0, page.overflowWidth(), "the open dialog is wider than the 400 px viewport");
        page.screenshot("web-400-card-dialog");
        page.pressKey(Keys.ESCAPE);
        page.awaitUntil("Escape closes the dialog", d -> page.byTestId("job-detail").isDisplayed() ? null
                : Boolean.TRUE);
    }

    /**
     * Issue 23: the throughput chart was counted in the browser and lost on a reload. The charts of jobs by
     * state and of cores are drawn from the head's own samples (GET /api/v1/cluster/history), so a page
     * opened now shows the minutes before it, each chart with its text alternative.
     */
    @Test
    void theChartsOfTheLastMinutesComeFromTheHeadAndSayInWordsWhatTheyShow() throws Exception {
        page.darkScheme(false);
        page.resize(1366, 900);
        // the head samples every 10 s: wait (on the API, with a timeout) for one taken after the submissions
        WebPage longer = new WebPage(page.driver(), head.baseUrl(), Duration.ofSeconds(30));
        longer.awaitUntil("the head has a sample with alice's queued job", d -> {
            try {
                String body = head.getWithToken("/api/v1/cluster/history", head.tokenFor("alice")).body();
                return body.contains("\"QUEUED\":2") ? body : null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(401, head.getWithToken("/api/v1/cluster/history", "").statusCode(), "the history wants a token");

        page.open();
        page.awaitUntil("the jobs chart is drawn", d -> page.present("history-jobs-chart"));
        String jobs = page.attribute("history-jobs-chart", "aria-label");
        assertTrue(jobs.contains("now 0 running, 2 queued") && jobs.contains("1 held"), jobs);
        assertEquals(jobs, page.text("history-jobs-text"), "the same words are on the page");
        assertTrue(Integer.parseInt(page.attribute("history-jobs-chart", "data-samples")) >= 1);
        String cores = page.attribute("history-cores-chart", "aria-label");
        assertTrue(cores.contains("now 0 used and 0 free of 0"), cores);
        // usage by user comes from the head's store, as hpc report reads it: alice sees her own
        page.awaitUntil("the usage card lists alice", d -> page.present("usage-alice"));
        String usage = page.text("usage-alice");
        // her jobs wait (no worker here): no core-hours yet, but submitted in the last day
        assertTrue(usage.startsWith("alice") && usage.contains("0.000 core-h") && usage.contains("2 submitted"), usage);
        assertTrue(page.text("usage-text").contains("core-hours in the last 24 h"), page.text("usage-text"));
        assertEquals(null, page.present("usage-bob"), "a user sees no other user's usage");
        page.screenshot("history", "history");

        page.openSignedOut();
        page.awaitUntil("the charts say a token is needed", d -> page.text("history-jobs-text").contains("token")
                ? Boolean.TRUE : null);
        assertEquals(null, page.present("history-jobs-chart"), "no chart without a token");
        assertTrue(page.text("usage-text").contains("token"), page.text("usage-text"));
    }

    /** Issue 23: the queues, as qstat -Q shows them, with their limits and whether they take and start jobs. */
    @Test
    void theQueuesShowTheirLimitsAndWhetherTheyAreEnabledAndStarted() throws Exception {
        page.darkScheme(false);
        page.resize(1366, 900);
        page.open();
        page.awaitUntil("the batch queue is listed", d -> page.present("queue-batch"));
        String row = page.text("queue-batch");
        assertTrue(row.startsWith("batch (default)"), row);
        assertEquals("yes", page.text("queue-enabled-batch"));
        assertEquals("yes", page.text("queue-started-batch"));
        assertTrue(row.matches(".* 2 0 1 0 3$"), "queued, running, held, waiting, total: " + row);

        var stopped = head.send("POST", "/api/v1/queues/batch", head.adminToken(),
                "{\"change\": \"set\", \"set\": {\"started\": \"false\"}}");
        assertEquals(200, stopped.statusCode(), stopped.body());
        try {
            page.open();
            page.awaitUntil("the page says batch is not started", d -> "no".equals(page.text("queue-started-batch"))
                    ? Boolean.TRUE : null);
            assertEquals("yes", page.text("queue-enabled-batch"));
            page.screenshot("queues", "queues");
        } finally {
            head.send("POST", "/api/v1/queues/batch", head.adminToken(),
                    "{\"change\": \"set\", \"set\": {\"started\": \"true\"}}");
        }
    }

    private static List<String> check(String where) throws Exception {
        List<String> found = page.seriousAxeViolations().stream().map(v -> where + ": " + v).toList();
        found.forEach(System.out::println);
        return found;
    }
}
