package dev.hpc.head.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    private static List<String> check(String where) throws Exception {
        List<String> found = page.seriousAxeViolations().stream().map(v -> where + ": " + v).toList();
        found.forEach(System.out::println);
        return found;
    }
}
