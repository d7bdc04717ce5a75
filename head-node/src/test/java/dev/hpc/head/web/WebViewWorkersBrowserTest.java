package dev.hpc.head.web;

import dev.hpc.api.json.Json;
import dev.hpc.api.json.JsonFields;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebDriver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web view while workers run jobs and die. The workers here speak the real worker link but run
 * nothing ({@link WireWorker}); the integration tests repeat these steps with real worker agents,
 * killed with SIGKILL, and with a head takeover, using the same {@link WebPage}.
 */
@ExtendWith(Chromium.class)
class WebViewWorkersBrowserTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    private static RunningHead head;
    private static WebPage page;

    @BeforeAll
    static void start(WebDriver browser) throws Exception {
        head = RunningHead.startQuick(Files.createDirectories(dir.resolve("head")), "web");
        page = new WebPage(browser, head.baseUrl(), TIMEOUT).withToken(head.tokenFor("alice"));
    }

    @AfterAll
    static void stop() {
        if (head != null) {
            head.close();
        }
    }

    @Test
    void aJobRunsOnANodeThenCompletes() throws Exception {
        page.open();
        try (WireWorker worker = WireWorker.connect(head.baseUrl(), "n01", 4);
             WireWorker other = WireWorker.connect(head.baseUrl(), "n02", 4)) {
            page.awaitNodeState("n01", "free");
            page.awaitNodeState("n02", "free");

            String id = head.submit("alice", "simulate", List.of("-l", "nodes=1:ppn=4"));
            String node = awaitLaunchOnEither(id, worker, other);
            page.awaitStateLetter(id, "R");
            page.awaitNodeState(node, "busy");
            page.awaitUntil("the totals count the busy cores", d -> "4".equals(page.text("cores-busy")) ? Boolean.TRUE
                    : null);
            page.awaitJobCount("RUNNING", 1);
            page.awaitUntil("the node shows the task", d -> page.nodeTasks(node).contains(id) ? Boolean.TRUE : null);
            page.openDetail(id);
            page.awaitDetailLetter("R");
            assertTrue(page.text("detail-history").contains(node + "/4"), page.detailText());
            // issue 7: the live output, read from the worker every 2 s while the job runs
            WireWorker runner = node.equals("n01") ? worker : other;
            runner.output(id, "step 1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            page.awaitUntil("the live output shows step 1", d -> page.text("detail-output").contains("step 1")
                    ? Boolean.TRUE : null);
            runner.output(id, "step 1\nstep 2\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            page.awaitUntil("the live output shows step 2", d -> page.text("detail-output").contains("step 2")
                    ? Boolean.TRUE : null);
            page.screenshot("nodes-running", "node-grid");
            page.screenshot("job-running");

            (node.equals("n01") ? worker : other).finish(id, 0);
            page.awaitStateLetter(id, "C");
            page.awaitDetailLetter("C");
            assertEquals("COMPLETED", page.stateName(id));
            page.awaitUntil("the history shows the attempt completed", d ->
                    page.text("detail-history").contains("completed") ? Boolean.TRUE : null);
            page.awaitNodeState(node, "free");
            page.awaitUntil("the throughput counts the job", d ->
                    page.text("throughput-total").startsWith("1 ") ? Boolean.TRUE : null);
            assertTrue(page.notReloaded(), "the page updated in place");
        }
    }

    @Test
    void aWorkerThatDiesTurnsItsTileRed() throws Exception {
        page.open();
        WireWorker worker = WireWorker.connect(head.baseUrl(), "n09", 2);
        page.awaitNodeState("n09", "free");
        worker.kill();
        page.awaitNodeState("n09", "down");
        page.awaitUntil("the alert is listed", d -> page.text("alerts").contains("node down n09") ? Boolean.TRUE : null);
        page.screenshot("nodes-down", "node-grid");
        assertTrue(page.notReloaded(), "the page updated in place");
    }

    /**
     * Issue 19 item 3 and issue 23: a reservation made through the API is shown in its card as pbs_rstat
     * shows it, with the job waiting in its queue; an administrator's token gets buttons on each queue (a
     * user's none), and disabling batch by its button, after the page's question, is what GET
     * /api/v1/queues then says. axe-core finds nothing serious with the buttons and the card shown.
     */
    @Test
    void aReservationIsShownInItsCardAndAnAdministratorDisablesAQueueByItsButton() throws Exception {
        String reservation = null;
        try (WireWorker worker = WireWorker.connect(head.baseUrl(), "n05", 2)) {
            page.open();
            page.awaitNodeState("n05", "free");
            Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).plus(Duration.ofHours(2));
            var made = head.post("/api/v1/reservations", "alice", "{\"start\": \"" + start + "\", \"end\": \""
                    + start.plus(Duration.ofMinutes(90)) + "\", \"nodes\": 1, \"coresPerNode\": 2, "
                    + "\"name\": \"demo\"}");
            assertEquals(200, made.statusCode(), made.body());
            reservation = Json.readObject(made.body()).string("queue");
            head.submit("alice", "in-window", List.of("-q", reservation));

            page.open();
            String queue = reservation;
            page.awaitUntil("the reservation's job is counted", d -> page.present("reservation-waiting-" + queue)
                    != null && "1".equals(page.text("reservation-waiting-" + queue)) ? Boolean.TRUE : null);
            String row = page.text("reservation-" + queue);
            for (String part : List.of("demo", queue + ".web", "alice", "confirmed", "01:30:00", "n05", "×2")) {
                assertTrue(row.contains(part), "the row shows " + part + ": " + row);
            }
            assertEquals("confirmed", page.text("reservation-state-" + queue));
            page.awaitUntil("the page says whose token it uses", d -> page.whoami().equals("alice (user)")
                    ? Boolean.TRUE : null);
            assertEquals(null, page.present("queue-disable-batch"), "a user's token gets no queue buttons");

            page.setToken(head.adminToken());
            page.awaitUntil("the page uses the admin token", d -> page.whoami().endsWith("(admin)") ? Boolean.TRUE
                    : null);
            page.awaitUntil("batch has its buttons", d -> page.present("queue-disable-batch"));
            assertNotNull(page.present("queue-stop-batch"));
            assertEquals(null, page.present("queue-disable-" + queue), "a reservation's queue is pbs_rdel's");
            List<String> violations = new ArrayList<>();
            for (int width : List.of(1366, 400)) {
                page.resize(width, 900);
                for (boolean dark : List.of(false, true)) {
                    page.darkScheme(dark);
                    String where = width + " px, " + (dark ? "dark" : "light") + ": ";
                    page.seriousAxeViolations().forEach(v -> violations.add(where + v));
                    if (width == 400 && dark) {
                        page.js("document.querySelector('.queues-section').scrollIntoView();");
                        page.screenshot("queues-admin-400-dark");
                    }
                }
                assertEquals(0, page.overflowWidth(), "the page is wider than " + width + " px");
            }
            page.darkScheme(false);
            page.resize(1440, 1000);
            assertEquals(List.of(), violations, "axe-core found violations of serious or critical impact");
            page.js("document.querySelector('.queues-section').scrollIntoView();");
            page.screenshot("queues-admin");

            page.clickAndConfirm("queue-disable-batch");
            page.awaitUntil("the page says batch is disabled", d -> "no".equals(page.text("queue-enabled-batch"))
                    ? Boolean.TRUE : null);
            JsonFields batch = queue("batch");
            assertFalse(batch.bool("enabled", true), "GET /api/v1/queues: " + batch.raw());
            assertTrue(batch.bool("started", false), "stopping is another button: " + batch.raw());
            page.awaitUntil("batch offers enable", d -> page.present("queue-enable-batch"));
            page.click("queue-enable-batch");
            page.awaitUntil("the page says batch is enabled", d -> "yes".equals(page.text("queue-enabled-batch"))
                    ? Boolean.TRUE : null);
            assertTrue(queue("batch").bool("enabled", false), "enabled again by its button");
        } finally {
            head.send("POST", "/api/v1/queues/batch", head.adminToken(),
                    "{\"change\": \"set\", \"set\": {\"enabled\": \"true\", \"started\": \"true\"}}");
            if (reservation != null) {
                head.send("DELETE", "/api/v1/reservations/" + reservation, head.adminToken(), "");
            }
            page.darkScheme(false);
            page.resize(1440, 1000);
            page.setToken(head.tokenFor("alice"));
        }
    }

    private static JsonFields queue(String name) throws Exception {
        for (JsonFields q : Json.readObject(head.get("/api/v1/queues").body()).objects("queues")) {
            if (q.string("name").equals(name)) {
                return q;
            }
        }
        throw new AssertionError("GET /api/v1/queues lists no queue " + name);
    }

    private static String awaitLaunchOnEither(String id, WireWorker a, WireWorker b) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (WireWorker w : List.of(a, b)) {
                try {
                    w.awaitLaunch(id, Duration.ofMillis(100));
                    return w.node();
                } catch (java.util.concurrent.TimeoutException e) {
                    // not there (yet)
                }
            }
        }
        throw new AssertionError(id + " was launched on neither node");
    }
}
