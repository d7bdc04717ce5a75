package dev.hpc.worker;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.wire.WireMessage.FromWorker;
import dev.hpc.api.wire.WireMessage.Kill;
import dev.hpc.api.wire.WireMessage.Launch;
import dev.hpc.api.wire.WireMessage.OpenSession;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.SessionInput;
import dev.hpc.api.wire.WireMessage.SessionResize;
import dev.hpc.api.wire.WireMessage.SpawnExited;
import dev.hpc.api.wire.WireMessage.SpawnOutput;
import dev.hpc.api.wire.WireMessage.TaskFinished;
import dev.hpc.api.wire.WireMessage.TaskStarted;
import dev.hpc.api.wire.WireMessage.Welcome;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.hpc.api.testkit.LaunchOrders.aTask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 19 item 1: the shell of an interactive session runs beside the attempt's script, with the script's
 * environment, reads its input from the head (a pipe, or the FIFO of a root agent), runs in a real
 * pseudo-terminal when asked (its size set at the start and on a resize), and its end ends the attempt with
 * the shell's exit status; a kill of the attempt ends the shell.
 */
class WorkerSessionTest {
    private static final long EPOCH = 5;
    private static final AtomicLong ATTEMPTS = new AtomicLong(7100);
    private static final String WAITER = "#!/bin/sh\nexec sleep infinity\n";

    @TempDir
    Path tmp;
    private Vertx workerVertx;
    private FakeHead head;

    private void startWorker(Path spool) {
        head = new FakeHead(r -> Optional.of(new Welcome(EPOCH, "head-a", FakeHead.heartbeat())));
        workerVertx = Vertx.vertx();
        WorkerConfig config = WorkerConfig.builder().allowRootJobs(true).nodeName("node1").hostName("vm")
                .heads(List.of(head.address())).cores(2).memory("1gb").spoolDir(spool).killGrace("500ms")
                .heartbeatInterval(Duration.ofMillis(100)).reconnect(Duration.ofMillis(50), Duration.ofMillis(200))
                .build();
        workerVertx.deployVerticle(new WorkerVerticle(config)).await();
        head.next(Register.class);
    }

    @AfterEach
    void stop() {
        if (workerVertx != null) {
            workerVertx.close().await();
        }
        if (head != null) {
            head.close();
        }
    }

    /** Launches a waiting script as {@code owner} and returns its attempt id once it runs. */
    private long launchWaiter(String owner, Path dir) {
        long attempt = ATTEMPTS.incrementAndGet();
        head.send(new Launch(EPOCH, aTask(attempt, WAITER).in(dir).ownedBy(owner)
                .environment(Map.of("GREETING", "hello")).build()));
        head.next(TaskStarted.class, s -> s.attemptId() == attempt);
        return attempt;
    }

    /** The session's output until its end, its end, and the attempt's end (in whichever order they come). */
    private record Ended(String out, String err, SpawnExited exit, TaskFinished task) {
    }

    private final StringBuilder out = new StringBuilder();
    private final StringBuilder err = new StringBuilder();

    private Ended untilEnd(String spawnId, long attempt) {
        SpawnExited exit = null;
        TaskFinished task = null;
        while (exit == null || task == null) {
            FromWorker m = next(spawnId, attempt);
            if (m instanceof SpawnExited e) {
                exit = e;
            } else if (m instanceof TaskFinished f) {
                task = f;
            }
        }
        return new Ended(out.toString(), err.toString(), exit, task);
    }

    /** The next message of the session or its attempt; output is added to {@link #out} and {@link #err}. */
    private FromWorker next(String spawnId, long attempt) {
        FromWorker m = head.next(FromWorker.class, x -> x instanceof SpawnOutput o && o.spawnId().equals(spawnId)
                || x instanceof SpawnExited e && e.spawnId().equals(spawnId)
                || x instanceof TaskFinished f && f.result().attemptId() == attempt);
        if (m instanceof SpawnOutput o) {
            (o.stream() == 1 ? out : err).append(new String(o.data(), StandardCharsets.UTF_8));
        }
        return m;
    }

    private void awaitOutput(String spawnId, long attempt, String text) {
        while (!out.toString().contains(text)) {
            FromWorker m = next(spawnId, attempt);
            if (!(m instanceof SpawnOutput)) {
                throw new AssertionError("the session ended before printing '" + text + "': " + out + err);
            }
        }
    }

    private void type(String spawnId, String text, boolean end) {
        head.send(new SessionInput(EPOCH, spawnId, text.getBytes(StandardCharsets.UTF_8), end));
    }

    @Test
    void aSessionWithoutTerminalReadsItsInputAndItsEndEndsTheAttemptWithItsStatus() {
        startWorker(tmp.resolve("spool"));
        long attempt = launchWaiter(System.getProperty("user.name"), tmp);
        head.send(new OpenSession(EPOCH, attempt, "session-" + attempt, false, 0, 0, ""));
        type("session-" + attempt, "echo \"$GREETING $PBS_JOBID $PBS_ENVIRONMENT\"\n", false);
        type("session-" + attempt, "echo oops >&2; exit 5\n", true);
        Ended e = untilEnd("session-" + attempt, attempt);
        assertEquals("hello " + attempt + ".cluster PBS_INTERACTIVE\n", e.out(), "the script's environment");
        assertEquals("oops\n", e.err());
        assertEquals(5, e.exit().exitStatus());
        assertEquals(5, e.task().result().exitStatus(), "the attempt ends with the shell's status");
        assertEquals(EndReason.EXITED, e.task().result().reason());
    }

    @Test
    void aSessionInATerminalHasItsSizeAndFollowsAResize() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "no util-linux script here");
        startWorker(tmp.resolve("spool"));
        long attempt = launchWaiter(System.getProperty("user.name"), tmp);
        String id = "session-" + attempt;
        head.send(new OpenSession(EPOCH, attempt, id, true, 30, 100, "vt100"));
        type(id, "tty; echo \"size $(stty size) term $TERM\"\n", false);
        awaitOutput(id, attempt, "size 30 100 term vt100");
        head.send(new SessionResize(EPOCH, id, 40, 120));
        type(id, "echo \"now $(stty size)\"; exit 7\n", false);
        Ended e = untilEnd(id, attempt);
        assertTrue(e.out().contains("/dev/pts/"), "a pseudo-terminal: " + e);
        assertTrue(e.out().contains("now 40 120"), e.toString());
        assertEquals(7, e.exit().exitStatus());
        assertEquals(7, e.task().result().exitStatus());
    }

    @Test
    void aKillOfTheAttemptEndsItsSession() {
        startWorker(tmp.resolve("spool"));
        long attempt = launchWaiter(System.getProperty("user.name"), tmp);
        String id = "session-" + attempt;
        head.send(new OpenSession(EPOCH, attempt, id, false, 0, 0, ""));
        type(id, "echo ready\n", false);
        awaitOutput(id, attempt, "ready");
        head.send(new Kill(EPOCH, attempt, EndReason.CANCELLED));
        Ended e = untilEnd(id, attempt);
        assertEquals(128 + 15, e.exit().exitStatus(), "the shell was ended by SIGTERM");
        assertEquals(EndReason.CANCELLED, e.task().result().reason(), "a kill under way wins over the shell's end");
    }

    /**
     * The head counts an attempt as running once it sent the launch, so a session may be asked for before the
     * script started here (InteractiveIT met it): the shell waits for the script and then starts.
     */
    @Test
    void aSessionAskedForWhileItsAttemptIsLaunchingStartsOnceTheScriptRuns() {
        startWorker(tmp.resolve("spool"));
        long attempt = ATTEMPTS.incrementAndGet();
        String id = "session-" + attempt;
        head.send(new Launch(EPOCH, aTask(attempt, WAITER).in(tmp).environment(Map.of("GREETING", "early")).build()));
        head.send(new OpenSession(EPOCH, attempt, id, false, 0, 0, ""));
        type(id, "echo \"$GREETING\"; exit 2\n", true);
        Ended e = untilEnd(id, attempt);
        assertEquals("early\n", e.out(), e.toString());
        assertEquals(2, e.exit().exitStatus());
        assertEquals(2, e.task().result().exitStatus());
    }

    @Test
    void aSessionOfAnAttemptThatDoesNotRunHereIsRefusedWithTheReason() {
        startWorker(tmp.resolve("spool"));
        head.send(new OpenSession(EPOCH, 4242, "session-4242", false, 0, 0, ""));
        SpawnExited e = head.next(SpawnExited.class, x -> x.spawnId().equals("session-4242"));
        assertEquals(255, e.exitStatus());
        assertTrue(e.message().contains("does not run its script on node node1"), e.message());
    }

    /**
     * A root agent and another owner: the shell runs as the owner (its uid), reads the FIFO root made in its
     * spool, and the FIFO is gone after the session.
     */
    @Test
    void aRootAgentRunsTheSessionAsTheOwnerThroughAFifo() throws Exception {
        assumeTrue(RunAs.processUid() == 0, "needs a worker running as root");
        assumeTrue(RunAs.SETPRIV.isPresent(), "no setpriv here");
        Process p = new ProcessBuilder("getent", "passwd", "hpctesta").redirectErrorStream(true).start();
        assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "no user hpctesta (RunAsOwnerTest makes it)");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        Path spool = tmp.resolve("spool");
        SpoolDir.prepare(spool, 0);
        Path work = Files.createDirectories(tmp.resolve("work"));
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        startWorker(spool);
        long attempt = launchWaiter("hpctesta", work);
        String id = "session-" + attempt;
        head.send(new OpenSession(EPOCH, attempt, id, false, 0, 0, ""));
        type(id, "id -un; echo \"$GREETING\"; ls -l /proc/self/fd/0 | sed 's/.*-> //'\n", false);
        type(id, "exit 9\n", true);
        Ended e = untilEnd(id, attempt);
        String[] lines = e.out().split("\n");
        assertEquals("hpctesta", lines[0], e.toString());
        assertEquals("hello", lines[1], e.toString());
        assertTrue(lines[2].startsWith(spool.resolve(SessionShell.FIFO_PREFIX).toString()), e.toString());
        assertEquals(9, e.exit().exitStatus());
        Await.until("the FIFO is removed after the session", () -> !Files.exists(Path.of(lines[2])));
        assertEquals(9, e.task().result().exitStatus());
    }
}
