package dev.hpc.head.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebDriver;

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
