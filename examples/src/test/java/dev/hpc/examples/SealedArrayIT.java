package dev.hpc.examples;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.JobQuery;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.Task;
import dev.hpc.api.pbs.SubmitRequest;
import dev.hpc.head.store.JobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15 on real processes: an array job's ended tasks are sealed in segments stored apart from its body
 * (here 40 at a time, {@code --array-segment-tasks 40}), while it runs, through a SIGKILL of the active head
 * and a restart of both heads from their own stores. Every task runs once and every ended task is still there,
 * with its exit status, wherever the job is read from.
 */
class SealedArrayIT {
    private static final Duration WAIT = Poll.TIMEOUT;
    private static final Duration TAKEOVER = Duration.ofSeconds(30);
    private static final String USER = System.getProperty("user.name", "");
    private static final int TASKS = 300;
    private static final int FAILING = 5;

    @TempDir
    Path work;

    @Test
    void aRunningArraySealsItsEndedTasksAndKeepsEveryOneThroughATakeoverAndAColdStart() throws Exception {
        Path submitDir = Files.createDirectories(work.resolve("submit"));
        Path ran = submitDir.resolve("ran.txt");
        StandbyCluster cluster = StandbyCluster.start(work.resolve("c"), 2, 4, List.of("--array-segment-tasks", "40"));
        System.out.println("SealedArrayIT: " + cluster);
        try {
            HeadClient client = cluster.client();
            StandbyCluster.Active first = cluster.awaitRoles("one head ACTIVE", WAIT);
            String script = "#!/bin/sh\necho $PBS_ARRAY_INDEX >> " + ran + "\n[ \"$PBS_ARRAY_INDEX\" = " + FAILING
                    + " ] && exit 3\nexit 0\n";
            String id = client.submit(new SubmitRequest(script, List.of("-N", "sealed", "-J", "0-" + (TASKS - 1), "-j",
                    "oe"), USER, "localhost", submitDir.toString(),
                    Map.of())).id().toString();

            Poll.until("a third of the tasks ended", WAIT, () -> RealCluster.lines(ran).size() >= TASKS / 3,
                    cluster::describe);
            StandbyCluster.Active second = cluster.killAndAwaitTakeover(first, TAKEOVER);
            System.out.println("SealedArrayIT: " + RealCluster.lines(ran).size() + " tasks had run when "
                    + first.head() + " was killed; " + second.head() + " took over");
            Poll.until("the array ends on the new active head", WAIT, () -> client.job(id).state().isTerminal(),
                    cluster::describe);
            Job done = client.job(id);
            assertEveryTaskRanOnceAndEnded(done, ran);

            // both heads killed and started again: each builds the job from its own store, segments included
            cluster.restart(first.head());
            cluster.awaitRoles("the killed head is back as standby", WAIT);
            cluster.kill(second.head());
            cluster.kill(first.head());
            cluster.restart(second.head());
            cluster.restart(first.head());
            cluster.awaitRoles("one head ACTIVE after both restarted", WAIT);
            Job again = client.job(id);
            assertEquals(done.tasks(), again.tasks(), "the same tasks after a cold start of both heads");
            assertEquals(3, again.exitStatus());

            // a listing of one line per job counts the sealed tasks instead of listing them, with the same figures
            Job listed = client.jobs(JobQuery.all().withSealedCounted(true)).jobs().stream()
                    .filter(j -> j.id().toString().equals(id)).findFirst().orElseThrow();
            assertTrue(listed.tasks().size() < 40 + 8, "the listing holds " + listed.tasks().size() + " tasks");
            assertEquals(again.state(), listed.state());
            assertEquals(again.exitStatus(), listed.exitStatus());
            assertEquals(again.started(), listed.started());
            assertEquals(again.ended(), listed.ended());
        } catch (Exception | AssertionError e) {
            cluster.printLogs("the test failed: " + e);
            throw e;
        } finally {
            cluster.close();
        }
        for (String head : StandbyCluster.HEADS) {
            try (JobStore store = JobStore.open(cluster.dataDir(head))) {
                Job stored = store.history("", "", List.of(), 0, 10).get(0);
                assertTrue(stored.segments().size() >= TASKS / 40 - 1, head + " stored " + stored.segments().size()
                        + " segments of ended tasks");
                assertTrue(stored.listedTasks().size() < 40 + 8, head + " keeps " + stored.listedTasks().size()
                        + " tasks in the job's own row");
                assertEquals(TASKS, stored.tasks().size(), head);
            }
        }
    }

    private static void assertEveryTaskRanOnceAndEnded(Job done, Path ran) {
        assertEquals(JobState.FAILED, done.state(), "task " + FAILING + " exits 3");
        assertEquals(3, done.exitStatus());
        assertEquals(TASKS, done.tasks().size());
        for (Task t : done.tasks()) {
            // a launch the killed head sent (or was about to send) that never reached a worker vanishes, and the
            // task runs once more: an attempt that ended other than by its exit never ran its script
            long exited = t.attempts().stream().filter(a -> a.reason() == dev.hpc.api.job.EndReason.EXITED).count();
            assertEquals(1, exited, "task " + t.index() + " ended by its exit " + exited + " times: " + t.attempts());
            assertTrue(t.attempts().stream().allMatch(a -> a.reason() == dev.hpc.api.job.EndReason.EXITED
                    || a.reason() == dev.hpc.api.job.EndReason.NODE_FAILURE), "task " + t.index() + ": " + t.attempts());
            assertEquals(t.index() == FAILING ? JobState.FAILED : JobState.COMPLETED, t.state(), "task " + t.index());
        }
        Map<String, Integer> runs = new TreeMap<>();
        for (String line : RealCluster.lines(ran)) {
            runs.merge(line.strip(), 1, Integer::sum);
        }
        assertEquals(TASKS, runs.size(), "every index ran: " + runs.keySet());
        assertTrue(runs.values().stream().allMatch(n -> n == 1), "an index ran twice: " + runs);
    }
}
