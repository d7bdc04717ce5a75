package dev.hpc.examples;

import dev.hpc.api.job.JobState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20: {@code qmgr} changes queues on a running cluster, with no restart and no file to copy: the change is
 * committed by the active head, replicated to the standby, kept through a SIGKILL of the active head and a
 * restart of both heads from their own stores, and a queue with live jobs is not deleted.
 */
class QmgrIT {
    private static final Duration WAIT = Poll.TIMEOUT;

    @TempDir
    Path work;

    @Test
    void queuesMadeWithQmgrAreCommittedReplicatedAndDurable() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        Path script = submitDir.resolve("job.sh");
        Files.writeString(script, "#!/bin/sh\nsleep 600\n");
        StandbyCluster cluster = StandbyCluster.start(work.resolve("c"), 1, 2);
        System.out.println("QmgrIT: " + cluster);
        try {
            Cli cli = cluster.cli();
            StandbyCluster.Active first = cluster.awaitRoles("one head ACTIVE", WAIT);
            ok(cli.run("qmgr", "-c", "create queue debug queue_type = Execution, resources_max.walltime = 00:30:00, "
                    + "Priority = 100"));
            Cli.Result q = ok(cli.run("qstat", "-Q"));
            assertTrue(q.out().contains("debug"), q.describe());
            Cli.Result tooLong = cli.qsubIn(submitDir, "-q", "debug", "-l", "walltime=01:00:00", script.toString());
            assertNotEquals(0, tooLong.exitCode(), "over the queue's max walltime: " + tooLong.describe());
            String job = ok(cli.qsubIn(submitDir, "-q", "debug", "-l", "walltime=00:10:00", script.toString())).line();
            ok(cli.run("qmgr", "-c", "set server default_queue = debug"));
            String unnamed = ok(cli.qsubIn(submitDir, "-l", "walltime=00:05:00", script.toString())).line();
            assertEquals("debug", cluster.client().job(unnamed).spec().queue(), "a job that names no queue");
            ok(cli.run("qdel", unnamed));
            ok(cli.run("qmgr", "-c", "set server default_queue = batch"));

            StandbyCluster.Active second = cluster.killAndAwaitTakeover(first, Duration.ofSeconds(30));
            Cli.Result listed = ok(cli.run("qmgr", "-c", "list queue debug"));
            assertTrue(listed.out().contains("resources_max.walltime = 00:30:00")
                    && listed.out().contains("Priority = 100"), "the standby had the queue: " + listed.describe());
            ok(cli.run("qmgr", "-c", "set queue debug started = False"));

            // both heads killed and started again: each reads the queues from its own store
            cluster.restart(first.head());
            cluster.awaitRoles("the killed head is back as standby", WAIT);
            cluster.kill(second.head());
            cluster.kill(first.head());
            cluster.restart(second.head());
            cluster.restart(first.head());
            cluster.awaitRoles("one head ACTIVE after both restarted", WAIT);
            Cli.Result after = ok(cli.run("qmgr", "-c", "print queue debug"));
            assertTrue(after.out().contains("set queue debug started = False")
                    && after.out().contains("set queue debug Priority = 100"), after.describe());

            Cli.Result busy = cli.run("qmgr", "-c", "delete queue debug");
            assertNotEquals(0, busy.exitCode(), busy.describe());
            assertTrue(busy.err().contains("not empty"), busy.describe());
            ok(cli.run("qdel", job));
            Poll.until("the job in debug ends", WAIT, () -> cluster.client().job(job).state().isTerminal(),
                    cluster::describe);
            assertEquals(JobState.CANCELLED, cluster.client().job(job).state());
            ok(cli.run("qmgr", "-c", "delete queue debug"));
            Cli.Result gone = cli.run("qmgr", "-c", "list queue debug");
            assertNotEquals(0, gone.exitCode(), gone.describe());
            assertTrue(gone.err().contains("Unknown queue"), gone.describe());
        } catch (Exception | AssertionError e) {
            cluster.printLogs("the test failed: " + e);
            throw e;
        } finally {
            cluster.close();
        }
    }

    private static Cli.Result ok(Cli.Result r) {
        assertEquals(0, r.exitCode(), r.describe());
        return r;
    }
}
