package dev.hpc.head.web;

import dev.hpc.head.access.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.Select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * Issue 23: a long queue is shown a page at a time. The keyboard pages through it, the status says which
     * rows of how many (and a screen reader hears it), the address keeps the page, a new job does not move
     * the user's page nor drop what is ticked, and a bulk cancel after one question cancels exactly the
     * ticked jobs (checked through the API); "select all on this page" then holds the last page's jobs.
     */
    @Test
    void theQueueIsPagedByKeyboardAndTickedJobsAreActedOnTogether() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            ids.add(head.submit("paula", "page-" + i, List.of()));
        }
        page.setToken(head.tokenFor("paula"));
        page.awaitUntil("the page uses paula's token", d -> page.whoami().equals("paula (user)") ? Boolean.TRUE
                : null);
        try {
            pageThroughAndActAsPaula(ids);
        } finally {
            page.resize(1440, 1000);
            // a load of its own: the next test's open() changes only the address's #, which reloads nothing,
            // and would find this test's filter, page and rows per page
            page.open("?after-paging");
        }
    }

    private void pageThroughAndActAsPaula(List<String> ids) throws Exception {
        page.filterUser("paula");
        page.awaitPageStatus("rows 1–100 of 120");
        new Select(page.byTestId("page-size")).selectByValue("50");
        page.awaitPageStatus("rows 1–50 of 120");

        page.focus("page-next");
        page.pressKey(Keys.ENTER);
        page.awaitPageStatus("rows 51–100 of 120");
        page.pressKey(Keys.SPACE);
        page.awaitPageStatus("rows 101–120 of 120");
        assertEquals("true", page.attribute("page-next", "aria-disabled"), "nothing after the last page");
        assertEquals("page-next", page.focusedTestId(), "the keyboard stays on the button at the end");
        page.pressShiftTab();
        assertEquals("page-prev", page.focusedTestId());
        page.pressKey(Keys.ENTER);
        page.awaitPageStatus("rows 51–100 of 120");
        page.awaitUntil("a screen reader hears the rows shown", d -> page.text("announce")
                .equals("rows 51–100 of 120") ? Boolean.TRUE : null);
        String address = page.driver().getCurrentUrl();
        assertTrue(address.contains("page=2") && address.contains("rows=50") && address.contains("user=paula"),
                address);
        // newest first: the second page starts with the 51st newest job
        page.awaitUntil("page 2 starts with the 51st newest job", d -> page.visibleJobIds().get(0).equals(ids.get(69))
                ? Boolean.TRUE : null);

        // the address opens the same page of the same filtered list
        page.driver().navigate().refresh();
        page.awaitLive();
        page.awaitPageStatus("rows 51–100 of 120");
        assertEquals(ids.get(69), page.visibleJobIds().get(0));

        String a = ids.get(69);
        String b = ids.get(68);
        String c = ids.get(60);
        page.awaitJobRow(c);
        page.tick(a);
        page.tick(b);
        page.tick(c);
        page.awaitUntil("three jobs are ticked", d -> page.text("bulk-count").equals("3 selected") ? Boolean.TRUE
                : null);
        // a job arriving on the first page neither moves this page nor drops a ticked job
        String late = head.submit("paula", "late", List.of());
        page.awaitPageStatus("rows 51–100 of 121");
        assertTrue(page.driver().getCurrentUrl().contains("page=2"), page.driver().getCurrentUrl());
        assertEquals("3 selected", page.text("bulk-count"));
        assertTrue(page.ticked(a) && page.ticked(b) && page.ticked(c), "the boxes stay ticked");

        String question = page.bulkAndConfirm("cancel");
        assertTrue(question.startsWith("Cancel 3 jobs: ") && question.contains(a) && question.contains(b)
                && question.contains(c) && question.contains("cannot be undone"), question);
        page.awaitBulkResult("Cancel: 3 cancelled.");
        page.awaitUntil("the selection is cleared", d -> page.text("bulk-count").equals("no job selected")
                ? Boolean.TRUE : null);
        Set<String> cancelled = Set.of(a, b, c);
        List<String> all = new ArrayList<>(ids);
        all.add(late);
        for (String id : all) {
            assertEquals(cancelled.contains(id) ? "CANCELLED" : "QUEUED", head.job(id).string("state"), id);
        }

        // the last page holds the 21 oldest: all ticked with one box, held after one question
        page.focus("page-last");
        page.pressKey(Keys.ENTER);
        page.awaitPageStatus("rows 101–121 of 121");
        page.click("pick-page");
        page.awaitUntil("the page's jobs are ticked", d -> page.text("bulk-count").equals("21 selected")
                ? Boolean.TRUE : null);
        question = page.bulkAndConfirm("hold");
        assertTrue(question.startsWith("Hold 21 jobs: ") && question.contains("and 18 more"), question);
        page.awaitBulkResult("Hold: 21 held.");
        for (int i = 0; i < ids.size(); i++) {
            String expected = i <= 20 ? "HELD" : cancelled.contains(ids.get(i)) ? "CANCELLED" : "QUEUED";
            assertEquals(expected, head.job(ids.get(i)).string("state"), ids.get(i));
        }

        // as a user sees it, wide and on a phone: the controls fit at 400 px
        page.focus("page-prev");
        page.pressKey(Keys.ENTER);
        page.awaitPageStatus("rows 51–100 of 121");
        page.tick(ids.get(70));
        page.tick(ids.get(67));
        try {
            page.resize(1366, 900);
            page.js("document.querySelector('.queue-section').scrollIntoView();");
            page.screenshot("web-paging-1366");
            page.resize(400, 860);
            assertEquals(0, page.overflowWidth(), "the page is no wider than the phone");
            for (String control : List.of("page-first", "page-prev", "page-next", "page-last", "page-size",
                    "bulk-cancel", "bulk-hold", "bulk-release", "bulk-clear", "pick-page")) {
                Object right = page.js("const r = arguments[0].getBoundingClientRect();"
                        + " return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth;", page.byTestId(control));
                assertEquals(Boolean.TRUE, right, control + " is fully in sight at 400 px");
            }
            page.js("document.querySelector('[data-testid=bulk-bar]').scrollIntoView();");
            page.screenshot("web-paging-400");
            page.js("document.querySelector('[data-testid=pager]').scrollIntoView(false);");
            page.screenshot("web-paging-400-pager");
        } finally {
            page.resize(1440, 1000);
        }
    }

    /**
     * Issue 23: a bulk cancel sent with a user's token that takes in another user's job. The page offers no
     * box for it to a user; here the jobs were ticked with an operator's token, and then the user's token
     * took its place (pasted in another tab: the page reads the kept token for every call). The head cancels
     * the user's own jobs and refuses the other; the page reports both, and the refused job stays ticked.
     */
    @Test
    void aBulkCancelThatTakesInAnotherUsersJobReportsTheRefusal() throws Exception {
        String own1 = head.submit("ursula", "mixed-1", List.of());
        String own2 = head.submit("ursula", "mixed-2", List.of());
        String other = head.submit("victor", "mixed-3", List.of());
        page.setToken(head.tokenFor("ursula"));
        page.awaitUntil("the page uses ursula's token", d -> page.whoami().equals("ursula (user)") ? Boolean.TRUE
                : null);
        try {
            bulkCancelAsUrsula(own1, own2, other);
        } finally {
            page.open("?after-mixed"); // as above: the search would stay for the next test
        }
    }

    private void bulkCancelAsUrsula(String own1, String own2, String other) throws Exception {
        page.byTestId("filter-text").sendKeys("mixed-");
        page.awaitPageStatus("rows 1–3 of 3");
        assertFalse(page.enabled("pick-" + other), "a user may not tick another user's job");
        String label = String.valueOf(page.js("return arguments[0].labels[0].textContent;",
                page.byTestId("pick-" + other)));
        assertTrue(label.contains("only victor, an operator or an admin"), label);

        page.setToken(head.grant("olga", Role.OPERATOR));
        page.awaitUntil("the page uses olga's token", d -> page.whoami().equals("olga (operator)") ? Boolean.TRUE
                : null);
        page.awaitPageStatus("rows 1–3 of 3");
        page.click("pick-page");
        page.awaitUntil("all three are ticked", d -> page.text("bulk-count").equals("3 selected") ? Boolean.TRUE
                : null);
        page.js("localStorage.setItem('hpc.token', arguments[0]);", head.tokenFor("ursula"));

        String question = page.bulkAndConfirm("cancel");
        assertTrue(question.startsWith("Cancel 3 jobs: ") && question.contains(other), question);
        String result = page.awaitBulkResult("Cancel: 2 cancelled, 1 refused: " + other + ": job " + other
                + " belongs to victor");
        assertTrue(result.endsWith("The refused jobs stay selected."), result);
        assertEquals("1 selected", page.text("bulk-count"));
        assertTrue(page.ticked(other));
        assertEquals("CANCELLED", head.job(own1).string("state"));
        assertEquals("CANCELLED", head.job(own2).string("state"));
        assertEquals("QUEUED", head.job(other).string("state"));
        page.setToken(head.tokenFor("viewer"));
    }

    private static int countOf(String state) throws Exception {
        return (int) dev.hpc.api.json.Json.readObject(head.get("/api/v1/cluster").body()).object("jobs").longValue(state, 0);
    }
}
