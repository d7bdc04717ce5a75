package dev.hpc.examples;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19 item 1, with the real launchers against a real head and worker: {@code qsub -I} fed commands on a
 * pipe (no terminal) runs them in the job's shell on its node and exits with the shell's status; in a
 * pseudo-terminal made by {@code script} it gets a terminal on the node too, Ctrl-C interrupts the remote
 * foreground command and the shell goes on; {@code qdel} and the walltime end a session; and
 * {@code hpc attach} follows a running batch job's output from its start to its end.
 *
 * <p>Steps that must happen while something runs wait for output the test reads, never for a time.
 */
class InteractiveIT {
    private static final Duration WAIT = Poll.TIMEOUT;
    private static final Pattern READY = Pattern.compile("qsub: job (\\S+) ready");

    @TempDir
    static Path work;
    private static RealCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RealCluster.start(work.resolve("c"), 1, 2);
        System.out.println("InteractiveIT: " + cluster);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Path submitDir() throws IOException {
        return Files.createDirectories(work.resolve("submit"));
    }

    private static void type(Cli.Running p, String text) {
        try {
            OutputStream in = p.process().getOutputStream();
            in.write(text.getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("qsub no longer reads its input: stdout [" + p.outSoFar() + "], stderr ["
                    + p.errSoFar() + "]", e);
        }
    }

    /** The id of the job once qsub said it is ready (on its standard error, or on the terminal). */
    private static String ready(Cli.Running p, boolean terminal) {
        return Poll.value("qsub -I says the job is ready", WAIT, () -> {
            Matcher m = READY.matcher(terminal ? p.outSoFar() : p.errSoFar());
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        }, () -> "stdout [" + p.outSoFar() + "], stderr [" + p.errSoFar() + "]");
    }

    private static void awaitOutput(Cli.Running p, String text) {
        Poll.until("the session prints '" + text + "'", WAIT, () -> p.outSoFar().contains(text),
                () -> "stdout [" + p.outSoFar() + "], stderr [" + p.errSoFar() + "]");
    }

    @Test
    void commandsOnStandardInputRunInTheJobsShellAndQsubExitsWithItsStatus() throws Exception {
        Path script = Files.writeString(submitDir().resolve("commands"), "echo \"answer $((6*7)) $PBS_ENVIRONMENT\"\n"
                + "echo \"on $HPC_WORKER_NODE in $PBS_O_WORKDIR\" >&2\nexit 3\n");
        Cli.Result r;
        try (Cli.Running p = cluster.cli().startWithInput(submitDir(), "qsub", "-I", "-l", "walltime=00:10:00")) {
            p.process().getOutputStream().write(Files.readAllBytes(script));
            p.process().getOutputStream().close();
            r = p.await(WAIT);
        }
        assertEquals(3, r.exitCode(), r.describe());
        assertEquals("answer 42 PBS_INTERACTIVE\n", r.out(), r.describe());
        Matcher m = Pattern.compile("qsub: waiting for job (\\S+) to start\nqsub: job \\1 ready\n").matcher(r.err());
        assertTrue(m.find(), r.describe());
        assertTrue(r.err().contains("on node1 in " + submitDir()), r.describe());
        String id = m.group(1);
        Poll.until(id + " ends", WAIT, () -> cluster.job(id).state().isTerminal(), () -> cluster.job(id).toString());
        Job job = cluster.job(id);
        assertEquals(3, job.exitStatus(), "the job ends with the shell's status: " + job);
        assertEquals(EndReason.EXITED, job.tasks().get(0).reason());
    }

    @Test
    void inATerminalTheSessionHasATerminalAndCtrlCInterruptsTheRemoteCommand() throws Exception {
        try (Cli.Running p = cluster.cli().startInTerminal(submitDir(), "qsub", "-I")) {
            String id = ready(p, true);
            type(p, "tty | sed 's/^/remote-/'\n");
            awaitOutput(p, "remote-/dev/pts/");
            // a size change of the local terminal (SIGWINCH to qsub) reaches the remote one
            String pts = terminalOf(p.process());
            Process stty = new ProcessBuilder("stty", "-F", pts, "rows", "33", "cols", "111").inheritIO().start();
            assertEquals(0, stty.waitFor(), "stty -F " + pts);
            Poll.until("the remote terminal has the new size", WAIT, () -> {
                type(p, "stty size | sed 's/^/size-/'\n");
                return p.outSoFar().contains("size-33 111");
            }, p::outSoFar);
            type(p, "sleep 617.5\n");
            Poll.until("the remote sleep runs", WAIT,
                    () -> !Procs.withCommandLineContaining("sleep 617.5").isEmpty(), p::outSoFar);
            type(p, "\u0003"); // Ctrl-C, typed at the local terminal
            Poll.until("Ctrl-C ends the remote sleep", WAIT,
                    () -> Procs.withCommandLineContaining("sleep 617.5").isEmpty(), p::outSoFar);
            type(p, "echo \"after $?\"\n");
            awaitOutput(p, "after 130");
            type(p, "exit 4\n");
            Cli.Result r = p.await(WAIT);
            assertEquals(4, r.exitCode(), "qsub's status through script -e: " + r.describe());
            assertEquals(4, cluster.job(id).exitStatus(), r.describe());
        }
    }

    /** The pseudo-terminal qsub runs in under {@code script}: what a process below it reads. */
    private static String terminalOf(Process script) {
        return Poll.value("qsub's terminal", WAIT, () -> script.descendants().map(h -> {
            try {
                return Files.readSymbolicLink(Path.of("/proc", Long.toString(h.pid()), "fd", "0")).toString();
            } catch (IOException e) {
                return "";
            }
        }).filter(t -> t.matches("/dev/pts/[0-9]+")).findFirst());
    }

    @Test
    void qdelEndsASessionAndSoDoesTheWalltime() throws Exception {
        try (Cli.Running p = cluster.cli().startWithInput(submitDir(), "qsub", "-I")) {
            String id = ready(p, false);
            type(p, "echo started\n");
            awaitOutput(p, "started");
            Cli.Result qdel = cluster.cli().process(submitDir(), "qdel", id);
            assertEquals(0, qdel.exitCode(), qdel.describe());
            Cli.Result r = p.await(WAIT);
            assertEquals(128 + 15, r.exitCode(), "the shell ended by SIGTERM: " + r.describe());
            assertTrue(r.err().contains("qsub: job " + id + " ended: deleted by"), r.describe());
            assertEquals(JobState.CANCELLED, cluster.job(id).state());
        }
        try (Cli.Running p = cluster.cli().startWithInput(submitDir(), "qsub", "-I", "-l", "walltime=00:00:02")) {
            String id = ready(p, false);
            type(p, "echo started; sleep 600\n");
            Cli.Result r = p.await(WAIT);
            assertEquals(128 + 15, r.exitCode(), r.describe());
            assertTrue(r.out().contains("started"), r.describe());
            assertTrue(r.err().contains("qsub: job " + id + " ended: " + EndReason.WALLTIME.description()),
                    r.describe());
        }
    }

    /**
     * A session does not follow its shell through a takeover (docs/commands.md): when the active head is killed,
     * qsub says that the session ended and why, deletes the job through the new active head, and exits 255.
     */
    @Test
    void aTakeoverOfTheHeadEndsTheSessionSayingSoAndTheJobIsDeleted() throws Exception {
        Path dir = Files.createDirectories(work.resolve("takeover"));
        StandbyCluster two = StandbyCluster.start(dir.resolve("c"), 1, 2);
        try {
            two.awaitWorkersUp(WAIT);
            StandbyCluster.Active first = two.awaitRoles("one head ACTIVE", WAIT);
            try (Cli.Running p = two.cli().startWithInput(dir, "qsub", "-I")) {
                String id = ready(p, false);
                type(p, "echo started\n");
                awaitOutput(p, "started");
                two.kill(first.head());
                two.awaitTakeover(first, Duration.ofSeconds(30));
                Cli.Result r = p.await(WAIT);
                assertEquals(255, r.exitCode(), r.describe());
                assertTrue(r.err().contains("qsub: the session of job " + id + " ended without the shell's exit "
                        + "status"), r.describe());
                assertTrue(r.err().contains("job " + id + " is deleted"), r.describe());
                Poll.until(id + " ends on the new head", WAIT, () -> two.client().job(id).state().isTerminal(),
                        two::describe);
                assertEquals(JobState.CANCELLED, two.client().job(id).state());
            }
        } catch (Exception | AssertionError e) {
            two.printLogs("the test failed: " + e);
            throw e;
        } finally {
            two.close();
        }
    }

    @Test
    void attachFollowsARunningBatchJobsOutputFromItsStartToItsEnd() throws Exception {
        Path release = work.resolve("release");
        Path script = Files.writeString(submitDir().resolve("batch.sh"), "#!/bin/sh\necho first\necho warn >&2\n"
                + "while [ ! -e " + release + " ]; do sleep 0.1; done\necho second\necho done >&2\nexit 6\n");
        Cli.Result submitted = cluster.cli().process(submitDir(), "qsub", script.toString());
        assertEquals(0, submitted.exitCode(), submitted.describe());
        String id = submitted.line();
        try (Cli.Running p = cluster.cli().start(submitDir(), "hpc", "attach", id)) {
            awaitOutput(p, "first\n");
            Poll.until("attach shows standard error too", WAIT, () -> p.errSoFar().contains("warn\n"), p::errSoFar);
            Files.writeString(release, "go");
            Cli.Result r = p.await(WAIT);
            assertEquals(6, r.exitCode(), "attach exits with the job's status: " + r.describe());
            assertEquals("first\nsecond\n", r.out(), r.describe());
            assertTrue(r.err().contains("warn\ndone\n"), r.describe());
        }
        Cli.Result after = cluster.cli().process(submitDir(), "hpc", "attach", id);
        assertEquals(6, after.exitCode(), "an ended job's output is shown whole: " + after.describe());
        assertEquals("first\nsecond\n", after.out());
    }
}
