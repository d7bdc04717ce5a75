package dev.hpc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hpc.cli.local.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7, the web view, in a real headless Chromium against real processes: two heads (the second a
 * standby) and two workers started from the built jars, jobs submitted with qsub, a worker and then
 * the active head killed with SIGKILL. One scenario, in order:
 *
 * <ol>
 *   <li>the page loads from the active head, given both heads ({@code ?heads=A,B});</li>
 *   <li>a job submitted with qsub appears without a reload and goes R, then C; its detail shows its
 *       live output (read from the worker that runs it) while it runs and after it ends, and qpeek
 *       (in this JVM, and bin/qpeek as a process) prints it;</li>
 *   <li>Cancel in the detail of a running job makes it C (cancelled) and its process is gone;</li>
 *   <li>a worker killed with SIGKILL turns its tile red (down) within the node timeout and a few seconds;</li>
 *   <li>the active head killed with SIGKILL: the page moves to the other head and shows it active with a
 *       higher epoch within seconds.</li>
 * </ol>
 *
 * <p>Screenshots go to {@code examples/target/screenshots/}. Skipped, with the reason, without Debian's
 * chromium and chromium-driver.
 */
class WebViewIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The heads' default node timeout (5 s) and a few seconds for the event and the page. */
    private static final Duration NODE_DOWN = Duration.ofSeconds(20);
    /** Takeover (about a second), the page's patience with a dead stream (4 s) and its move to the other head. */
    private static final Duration TAKEOVER_SHOWN = Duration.ofSeconds(15);
    private static final String USER = System.getProperty("user.name", "");

    @TempDir
    Path work;

    @Test
    void theWebViewFollowsJobsNodesAndATakeoverOnARealCluster() throws Exception {
        String noBrowser = BrowserPage.whyNoBrowser();
        Assumptions.assumeTrue(noBrowser.isEmpty(), "no browser test: " + noBrowser);
        preload();
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        Path screenshots = RealCluster.repositoryRoot().resolve("examples").resolve("target").resolve("screenshots");
        long t0 = System.nanoTime();

        StandbyCluster cluster = StandbyCluster.start(work.resolve("c"), 2, 2);
        System.out.println("WebViewIT: " + cluster + " up after " + millis(t0) + " ms");
        try (BrowserPage page = BrowserPage.start(screenshots)) {
            StandbyCluster.Active first = cluster.awaitRoles("one head ACTIVE and the other STANDBY", WAIT);
            cluster.awaitWorkersUp(WAIT);
            // the token comes in the address once, as when the page moves to another head; the page keeps it
            page.open("http://" + cluster.server(first.head()) + "/?heads=" + String.join(",", cluster.servers())
                    + "#token=" + cluster.token(), WAIT);
            page.await("the page says whose token it uses", WAIT, () -> page.text("whoami").equals(USER
                    + " (admin)"));
            page.await("both workers are shown free", WAIT,
                    () -> page.nodeState("node1").equals("free") && page.nodeState("node2").equals("free"));
            assertEquals(first.head(), page.activeHead());
            System.out.println("WebViewIT: page live on " + first.head() + " after " + millis(t0) + " ms");

            // ---- a job submitted with qsub: its row appears, R then C; its live output
            Path hello = Files.writeString(submitDir.resolve("hello.sh"),
                    "#!/bin/sh\n#PBS -N hello\necho start\nsleep 5\necho hi\n");
            String a = qsub(cluster, submitDir, hello.toString());
            page.await(a + " appears in the queue", WAIT, () -> !page.stateLetter(a).isEmpty());
            page.await(a + " shows R", WAIT, () -> page.stateLetter(a).equals("R"));
            page.openDetail(a, WAIT);
            page.await("the live output of " + a + " shows what it wrote so far", WAIT,
                    () -> page.detailOutput().contains("start"));
            page.screenshot("job-detail-live-output");
            page.await(a + " shows C", WAIT, () -> page.stateLetter(a).equals("C"));
            assertEquals("COMPLETED", page.stateName(a));
            page.await("the detail of " + a + " shows C and its whole output", WAIT,
                    () -> page.detailLetter().equals("C") && page.detailOutput().contains("start\nhi"));
            assertTrue(page.notReloaded(), "the page updated in place, without a reload");
            page.click("close-detail");
            Cli.Result peek = cluster.cli().run("qpeek", a);
            assertEquals(new Cli.Result(peek.command(), 0, "start\nhi\n", ""), peek, peek.describe());
            Cli.Result tail = cluster.cli().process(submitDir, "qpeek", "-t", "-n", "1", a); // bin/qpeek
            assertEquals(0, tail.exitCode(), tail.describe());
            assertEquals("hi\n", tail.out(), tail.describe());
            System.out.println("WebViewIT: " + a + " R then C with its output after " + millis(t0) + " ms");

            // ---- Cancel of a running job from its detail
            String sleeper = "sleep 300." + cluster.marker(); // GNU sleep takes fractions: a name of our own
            Path longJob = Files.writeString(submitDir.resolve("long.sh"), "#!/bin/sh\n#PBS -N long\n" + sleeper
                    + "\n");
            String b = qsub(cluster, submitDir, longJob.toString());
            page.await(b + " shows R", WAIT, () -> page.stateLetter(b).equals("R"));
            Poll.until("the process of " + b + " runs", WAIT,
                    () -> !Procs.withCommandLineContaining(sleeper).isEmpty());
            page.await("the totals count the busy core", WAIT, () -> page.text("cores-busy").equals("1"));
            page.screenshot("queue");
            page.screenshot("web-queue", 1280, 760); // for README.md (docs/img/web-queue.png)
            page.openDetail(b, WAIT);
            page.await("Cancel is enabled", WAIT, () -> page.enabled("cancel-button"));
            page.click("cancel-button");
            page.await(b + " shows C in its detail and cancelled in the queue", WAIT,
                    () -> page.detailLetter().equals("C") && page.stateName(b).equals("CANCELLED"));
            Poll.until("the process of the cancelled " + b + " is gone", WAIT,
                    () -> Procs.withCommandLineContaining(sleeper).isEmpty(),
                    () -> String.valueOf(Procs.withCommandLineContaining(sleeper)));
            page.click("close-detail");
            System.out.println("WebViewIT: " + b + " cancelled from the page after " + millis(t0) + " ms");

            // ---- a worker killed: its tile turns red
            long killedWorker = System.nanoTime();
            cluster.local().kill("node2");
            page.await("node2's tile turns red (down)", NODE_DOWN, () -> page.nodeState("node2").equals("down"));
            assertEquals("free", page.nodeState("node1"));
            page.screenshot("nodes-down", "node-grid");
            page.screenshot("queue-node-down");
            System.out.println("WebViewIT: node2 shown down " + millis(killedWorker) + " ms after its SIGKILL");

            // ---- the active head killed: the page shows the new active head
            long killedHead = System.nanoTime();
            cluster.kill(first.head());
            page.await(first.other() + " shown active with an epoch above " + first.epoch(), TAKEOVER_SHOWN,
                    () -> page.activeHead().equals(first.other()) && page.activeEpoch() > first.epoch());
            long shownAfter = millis(killedHead);
            page.await("the page is live on " + first.other(), WAIT,
                    () -> page.attribute("connection", "data-state").equals("live"));
            assertTrue(page.url().contains(cluster.server(first.other())), "the page moved to " + first.other()
                    + ": " + page.url());
            page.await("the jobs are still listed", WAIT,
                    () -> page.stateName(a).equals("COMPLETED") && page.stateName(b).equals("CANCELLED"));
            page.await("the token came along to " + first.other(), WAIT,
                    () -> page.text("whoami").equals(USER + " (admin)"));
            assertTrue(!page.url().contains("token="), "the token does not stay in the address: " + page.url());
            assertEquals("", page.attribute("filter-user", "value"), "the user name is not taken for a filter");
            page.screenshot("after-takeover");
            System.out.println("WebViewIT: " + first.other() + " shown active (epoch " + page.activeEpoch() + ") "
                    + shownAfter + " ms after the SIGKILL of " + first.head() + "; whole test " + millis(t0) + " ms");
        } catch (Exception | AssertionError e) {
            cluster.printLogs("the test failed: " + e);
            throw e;
        } finally {
            cluster.close();
        }
    }

    /**
     * Loads now the classes the test and its clean-up need: another build may rewrite this module's class
     * files while the test runs (see {@link RealCluster}), and a class first needed at the clean-up would be
     * missing, leaving the daemons running.
     */
    private static void preload() throws ClassNotFoundException {
        for (Class<?> c : List.of(Procs.class, Procs.Proc.class, Poll.class, Cli.class, Cli.Result.class,
                RealCluster.class, RealCluster.Reaper.class, StandbyCluster.class, StandbyCluster.Active.class,
                BrowserPage.class, LocalCluster.Stopped.class, LocalCluster.Outcome.class)) {
            Class.forName(c.getName(), true, c.getClassLoader());
        }
        Procs.all();
    }

    private static String qsub(StandbyCluster cluster, Path dir, String script) {
        Cli.Result r = cluster.cli().qsubIn(dir, script);
        assertEquals(0, r.exitCode(), r.describe());
        return r.line();
    }

    private static long millis(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
