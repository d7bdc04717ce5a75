package dev.hpc.examples;

import dev.hpc.api.job.JobState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19 item 2, blocking submission, with {@code bin/qsub -W block=true} run as a process against two
 * real heads and a worker: qsub prints the job id at once, waits, and exits with the job's exit status
 * (3 for a script that exits 3; for an array the highest of its tasks'; 15 for a job cancelled with qdel,
 * whose status is 271); Ctrl-C stops the wait and leaves the job running (exit 130); and a wait goes on
 * through a SIGKILL of the active head and still ends with the job's status.
 *
 * <p>The jobs that must outlive a step wait for a file the test creates, so no step depends on timing.
 */
class BlockingQsubIT {
    private static final Duration WAIT = Poll.TIMEOUT;
    private static final Duration TAKEOVER = Duration.ofSeconds(30);
    /** A terminal's foreground program gets SIGINT; one started in the background may have it ignored. */
    private static final List<String> SIGINT_AS_AT_A_TERMINAL = List.of("perl", "-e",
            "$SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec: $!\"");

    @TempDir
    Path work;

    private interface ClusterTest {
        void run(StandbyCluster cluster, Path submitDir) throws Exception;
    }

    private void withCluster(ClusterTest body) throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        StandbyCluster cluster = StandbyCluster.start(work.resolve("c"), 1, 4);
        System.out.println("BlockingQsubIT: " + cluster);
        try {
            cluster.awaitWorkersUp(WAIT);
            body.run(cluster, submitDir);
        } catch (Exception | AssertionError e) {
            cluster.printLogs("the test failed: " + e);
            throw e;
        } finally {
            cluster.close();
        }
    }

    /** A script that waits for {@code release} to exist, then exits with {@code status}. */
    private static Path waitingScript(Path dir, String name, Path release, int status) throws Exception {
        return Files.writeString(dir.resolve(name + ".sh"), "#!/bin/sh\nwhile [ ! -e " + release + " ]; do sleep 0.1; "
                + "done\nexit " + status + "\n");
    }

    @Test
    void qsubWaitsForTheJobAndExitsWithItsStatus() throws Exception {
        withCluster((cluster, submitDir) -> {
            Cli cli = cluster.cli();

            // a job that exits 3: qsub prints its id, nothing else, and exits 3
            Path three = Files.writeString(submitDir.resolve("three.sh"), "#!/bin/sh\nexit 3\n");
            Cli.Result r = cli.process(submitDir, "qsub", "-W", "block=true", three.toString());
            assertEquals(3, r.exitCode(), r.describe());
            assertTrue(r.out().matches("\\d+\\.[A-Za-z0-9.-]+\n"), "only the job id on stdout: " + r.describe());
            String id = r.line();
            assertEquals(JobState.FAILED, cluster.client().job(id).state(), "qsub returned before the job ended");
            assertEquals("", r.err(), r.describe());

            // an array asking to block in its script: the highest status of its tasks
            Path array = Files.writeString(submitDir.resolve("array.sh"), "#!/bin/sh\n#PBS -W block=true\n#PBS -J 1-3\n"
                    + "[ \"$PBS_ARRAY_INDEX\" = 2 ] && exit 7\nexit 0\n");
            Cli.Result a = cli.process(submitDir, "qsub", array.toString());
            assertEquals(7, a.exitCode(), a.describe());
            assertTrue(cluster.client().job(a.line()).state().isTerminal(), a.describe());

            // a job deleted while qsub waits: the cancel's status, 271, which an exit status carries as 15
            Path never = work.resolve("never");
            try (Cli.Running p = cli.start(submitDir, "qsub", "-W", "block=true",
                    waitingScript(submitDir, "deleted", never, 0).toString())) {
                String deleted = Poll.value("qsub printed the job id", WAIT, () -> p.outSoFar().endsWith("\n")
                        ? java.util.Optional.of(p.outSoFar().strip()) : java.util.Optional.empty(), p::errSoFar);
                Poll.until(deleted + " runs", WAIT, () -> cluster.client().job(deleted).state() == JobState.RUNNING,
                        cluster::describe);
                Cli.Result qdel = cli.process(submitDir, "qdel", deleted);
                assertEquals(0, qdel.exitCode(), qdel.describe());
                Cli.Result d = p.await(WAIT);
                assertEquals(15, d.exitCode(), d.describe());
                assertTrue(d.err().contains("job " + deleted + " cancelled"), d.describe());
                assertEquals(271, cluster.client().job(deleted).exitStatus());
            }

            // Ctrl-C: qsub stops waiting with 130 and says so; the job goes on
            Path release = work.resolve("release-interrupted");
            try (Cli.Running p = cli.start(submitDir, SIGINT_AS_AT_A_TERMINAL, "qsub", "-W", "block=true",
                    waitingScript(submitDir, "interrupted", release, 0).toString())) {
                String running = Poll.value("qsub printed the job id", WAIT, () -> p.outSoFar().endsWith("\n")
                        ? java.util.Optional.of(p.outSoFar().strip()) : java.util.Optional.empty(), p::errSoFar);
                Poll.until(running + " runs", WAIT, () -> cluster.client().job(running).state() == JobState.RUNNING,
                        cluster::describe);
                Procs.signal(p.process().pid(), "INT");
                Cli.Result i = p.await(WAIT);
                assertEquals(130, i.exitCode(), i.describe());
                assertTrue(i.err().contains("stopped waiting for job " + running + ", which goes on"), i.describe());
                assertEquals(JobState.RUNNING, cluster.client().job(running).state(), "Ctrl-C left the job alone");
                Files.writeString(release, "go");
                Poll.until(running + " completes after the release", WAIT,
                        () -> cluster.client().job(running).state() == JobState.COMPLETED, cluster::describe);
            }
        });
    }

    @Test
    void qsubKeepsWaitingThroughAKillOfTheActiveHeadAndExitsWithTheJobsStatus() throws Exception {
        withCluster((cluster, submitDir) -> {
            StandbyCluster.Active first = cluster.awaitRoles("one head ACTIVE", WAIT);
            Path release = work.resolve("release");
            try (Cli.Running p = cluster.cli().start(submitDir, "qsub", "-W", "block=true",
                    waitingScript(submitDir, "survivor", release, 3).toString())) {
                String id = Poll.value("qsub printed the job id", WAIT, () -> p.outSoFar().endsWith("\n")
                        ? java.util.Optional.of(p.outSoFar().strip()) : java.util.Optional.empty(), p::errSoFar);
                Poll.until(id + " runs", WAIT, () -> cluster.client().job(id).state() == JobState.RUNNING,
                        cluster::describe);

                cluster.kill(first.head());
                StandbyCluster.Active second = cluster.awaitTakeover(first, TAKEOVER);
                System.out.println("BlockingQsubIT: killed " + first.head() + "; " + second.head() + " active with epoch "
                        + second.epoch());
                assertTrue(p.process().isAlive(), "qsub stopped waiting when the head died: stdout [" + p.outSoFar()
                        + "], stderr [" + p.errSoFar() + "]");

                Files.writeString(release, "go");
                Cli.Result r = p.await(WAIT);
                assertEquals(3, r.exitCode(), r.describe());
                assertEquals(id + "\n", r.out(), r.describe());
                assertEquals(JobState.FAILED, cluster.client().job(id).state());
            }
        });
    }
}
