package dev.hpc.head.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebDriver;

/**
 * The web view in a real headless Chromium against a real head in this JVM. No worker is connected,
 * so jobs stay queued (Q); running and dying workers are in {@link WebViewWorkersBrowserTest}.
 * Skipped, with the reason, where Chromium is missing (see {@link Chromium}).
 */
@ExtendWith(Chromium.class)
class WebViewBrowserTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    private static RunningHead head;
    private static WebPage page;

    @BeforeAll
    static void start(WebDriver browser) throws Exception {
        head = RunningHead.start(Files.createDirectories(dir.resolve("head")), "web");
        page = new WebPage(browser, head.baseUrl(), TIMEOUT).withToken(head.tokenFor("viewer"));
    }

    @AfterAll
    static void stop() {
        if (head != null) {
            head.close();
        }
    }

    @BeforeEach
    void openThePage() {
        page.open();
    }

    @Test
    void aSubmittedJobAppearsWithoutReloadAndItsDetailShowsTheSpec() throws Exception {
        String id = head.submit("alice", "render-frames", List.of("-l", "nodes=1:ppn=2,walltime=00:30:00", "-p", "5",
                "-o", "/home/alice/work/frames.out"));

        page.awaitJobRow(id);
        page.awaitStateLetter(id, "Q");
        assertEquals("QUEUED", page.stateName(id));
        page.awaitJobCount("QUEUED", countOf("QUEUED"));
        page.screenshot("queue");

        // the script and paths of a job are its owner's to see (issue 15): alice looks at her own job
        page.setToken(head.tokenFor("alice"));
        page.awaitJobRow(id);
        page.openDetail(id);
        String detail = page.detailText();
        assertTrue(detail.contains("render-frames"), detail);
        assertTrue(detail.contains("1 node(s) × 2 core(s)"), detail);
        assertTrue(detail.contains("00:30:00"), detail);
        assertEquals("5", page.text("detail-priority"));
        assertEquals("/home/alice/work/frames.out", page.text("detail-stdout"));
        assertTrue(page.text("detail-script").contains("#PBS -N render-frames"), detail);
        assertEquals("Q", page.detailLetter());
        page.screenshot("job-detail");
        page.screenshot("nodes", "node-grid");
        assertTrue(page.notReloaded(), "the page updated in place");
    }

    @Test
    void holdReleaseAndCancelFromTheDetailPanel() throws Exception {
        String id = head.submit("bob", "hold-me", List.of());
        page.setToken(head.tokenFor("bob"));
        page.awaitUntil("the page says whose token it uses", d -> page.whoami().equals("bob (user)") ? Boolean.TRUE
                : null);
        page.openDetail(id);
        assertTrue(page.enabled("hold-button"));
        assertFalse(page.enabled("release-button"), "nothing to release on a queued job");

        page.hold();
        page.awaitStateLetter(id, "H");
        page.awaitDetailLetter("H");
        assertEquals("HELD", head.job(id).string("state"));

        page.release();
        page.awaitStateLetter(id, "Q");
        page.awaitDetailLetter("Q");

        page.cancel();
        page.awaitStateLetter(id, "C");
        page.awaitDetailLetter("C");
        assertEquals("CANCELLED", page.stateName(id));
        assertEquals("CANCELLED", head.job(id).string("state"));
        assertTrue(page.detailText().contains("bob"), "cancelled by bob: " + page.detailText());
        assertFalse(page.enabled("cancel-button"), "an ended job cannot be cancelled again");
        assertTrue(page.notReloaded(), "the page updated in place");
    }

    /**
     * Issue 23: the page offered Hold on a job the token may not change, for the head to refuse; a user's
     * token now finds the buttons of another user's job disabled, and says who may use them.
     */
    @Test
    void anotherUsersJobOffersNoActionTheHeadWouldRefuse() throws Exception {
        String id = head.submit("carol", "refused", List.of());
        page.setToken(head.tokenFor("mallory"));
        page.awaitUntil("the page uses mallory's token", d -> page.whoami().equals("mallory (user)") ? Boolean.TRUE
                : null);
        page.awaitJobRow(id);
        page.openDetail(id);
        page.awaitUntil("Hold is disabled for mallory", d -> page.enabled("hold-button") ? null : Boolean.TRUE);
        assertFalse(page.enabled("cancel-button"));
        assertTrue(page.attribute("hold-button", "title").contains("only carol, an operator or an admin"),
                page.attribute("hold-button", "title"));
        assertEquals("Q", page.stateLetter(id));
        page.setToken(head.tokenFor("viewer"));
    }

    /** Issue 19: an interactive job is marked as such in the queue and in its details. */
    @Test
    void anInteractiveJobIsMarked() throws Exception {
        String id = head.submit("alice", "shell", List.of("-I"));
        page.setToken(head.tokenFor("alice"));
        page.awaitJobRow(id);
        assertEquals("interactive", page.text("interactive-" + id));
        page.openDetail(id);
        assertTrue(page.text("detail-interactive").contains("qsub -I"), page.detailText());
    }

    @Test
    void changesMadeElsewhereArePushed() throws Exception {
        String id = head.submit("dave", "pushed", List.of());
        page.awaitStateLetter(id, "Q");
        head.post("/api/v1/jobs/" + id + "/hold", "dave", "");
        page.awaitStateLetter(id, "H");
        head.post("/api/v1/jobs/" + id + "/cancel", "dave", "");
        page.awaitStateLetter(id, "C");
        assertTrue(page.notReloaded(), "the page updated in place");
    }

    @Test
    void anArrayJobIsOneRowWithASummaryAndUnfolds() throws Exception {
        String id = head.submit("erin", "sweep", List.of("-t", "1-4"));
        assertTrue(id.contains("[]"), id);
        page.awaitJobRow(id);
        assertEquals("0/4 done", page.arraySummary(id));
        String third = id.replace("[]", "[3]");
        assertTrue(page.visibleJobIds().stream().noneMatch(third::equals), "tasks are folded");
        page.toggleArray(id);
        page.awaitJobRow(third);
        assertEquals("Q", page.stateLetter(third));
        page.toggleArray(id);
        page.awaitUntil("the tasks fold again", d -> page.visibleJobIds().contains(third) ? null : Boolean.TRUE);
    }

    /** Issue 15: an array's unstarted tasks come as one entry; beyond a thousand they unfold as one row. */
    @Test
    void aLargeArrayUnfoldsItsUnstartedTasksAsOneRow() throws Exception {
        String id = head.submit("erin", "huge", List.of("-h", "-t", "0-99999"));
        page.awaitJobRow(id);
        assertEquals("0/100000 done", page.arraySummary(id));
        page.toggleArray(id);
        String unstarted = id.replace("[]", "[unstarted]");
        page.awaitJobRow(unstarted);
        assertEquals("H", page.stateLetter(unstarted));
        assertTrue(page.visibleJobIds().stream().noneMatch(id.replace("[]", "[7]")::equals),
                "no row per unstarted task");
        page.toggleArray(id);
    }

    @Test
    void theQueueFiltersByUserAndSortsByColumn() throws Exception {
        String a = head.submit("frank", "b-second", List.of());
        String b = head.submit("grace", "a-first", List.of());
        page.awaitJobRow(b);
        page.filterUser("frank");
        page.awaitUntil("only frank's jobs are shown", d -> {
            List<String> ids = page.visibleJobIds();
            return ids.contains(a) && !ids.contains(b) ? Boolean.TRUE : null;
        });
        page.filterUser("");
        page.awaitJobRow(b);
        page.sortBy("name");
        page.awaitUntil("jobs sorted by name", d -> {
            List<String> ids = page.visibleJobIds();
            return ids.indexOf(b) >= 0 && ids.indexOf(b) < ids.indexOf(a) ? Boolean.TRUE : null;
        });
        page.sortBy("number");
    }

    @Test
    void theHeadAndItsEpochAreShown() {
        page.awaitActiveHead("head1");
        assertEquals(String.valueOf(head.service().epoch()), page.attribute("active-head", "data-epoch"));
        assertTrue(page.text("head-head1").contains("active"));
    }

    /** Issue #15: the page kept showing a revoked user; now its stream ends and the page says why. */
    @Test
    void aRevokedTokenEndsThePagesStreamAndThePageSaysSo() throws Exception {
        String id = head.submit("gina", "mine", List.of());
        page.setToken(head.tokenFor("gina"));
        page.awaitUntil("the page says whose token it uses", d -> page.whoami().equals("gina (user)") ? Boolean.TRUE
                : null);
        page.awaitJobRow(id);

        assertEquals(200, head.send("DELETE", "/api/v1/tokens/gina", head.adminToken(), "").statusCode());
        page.awaitUntil("the page shows the token revoked", d -> "revoked".equals(page.connectionState())
                ? Boolean.TRUE : null);
        assertEquals("", page.whoami());
        assertTrue(page.text("login").contains("of gina was revoked"), page.text("login"));
        page.screenshot("token-revoked");
        // the page is shared by the tests of this class: it goes on with a valid token, as a user would
        page.setToken(head.tokenFor("viewer"));
    }

    private static int countOf(String state) throws Exception {
        return (int) dev.hpc.api.Json.readObject(head.get("/api/v1/cluster").body()).object("jobs").longValue(state, 0);
    }
}
