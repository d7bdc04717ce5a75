package dev.hpc.cli;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

import static dev.hpc.cli.TestJobs.T0;
import static dev.hpc.cli.TestJobs.aCompletedJob;
import static dev.hpc.cli.TestJobs.aHeldJob;
import static dev.hpc.cli.TestJobs.aQueuedJob;
import static dev.hpc.cli.TestJobs.aRunningJob;
import static dev.hpc.cli.TestJobs.anArrayJob;
import static dev.hpc.cli.TestJobs.slot;
import static org.junit.jupiter.api.Assertions.assertEquals;

class QstatFormatTest {
    private static final Instant NOW = T0.plus(Duration.ofHours(1));
    private static final QstatFormat.Options PLAIN = QstatFormat.Options.plain();

    @Test
    void tableIsTorquesForm() {
        String table = QstatFormat.table(List.of(aCompletedJob(1, "hello", Duration.ofSeconds(1), 0)), PLAIN, NOW);

        assertEquals("""
                Job ID                    Name             User            Time Use S Queue
                ------------------------- ---------------- --------------- -------- - -----
                1.cluster                 hello            alice           00:00:01 C batch
                """, table);
    }

    @Test
    void noJobsNoHeader() {
        assertEquals("", QstatFormat.table(List.of(), PLAIN, NOW));
    }

    @Test
    void lettersAndTimesFollowTheState() {
        TestJobs.Spec deferred = TestJobs.spec();
        deferred.name = "later";
        deferred.notBefore = NOW.plusSeconds(60);
        List<Job> jobs = List.of(aQueuedJob(2, "waiting"), aHeldJob(3, "held"),
                aRunningJob(4, "busy", NOW.minusSeconds(3725), slot("node1", 1)),
                TestJobs.job(5, deferred.build(), JobState.QUEUED, List.of(Task.fresh(-1, false))),
                aCompletedJob(6, "failed", Duration.ofSeconds(90), 3));

        String table = QstatFormat.table(jobs, PLAIN, NOW);

        assertEquals("""
                Job ID                    Name             User            Time Use S Queue
                ------------------------- ---------------- --------------- -------- - -----
                2.cluster                 waiting          alice                  0 Q batch
                3.cluster                 held             alice                  0 H batch
                4.cluster                 busy             alice           01:02:05 R batch
                5.cluster                 later            alice                  0 W batch
                6.cluster                 failed           alice           00:01:30 C batch
                """, table);
    }

    @Test
    void historyShowsEndedJobsAsF() {
        QstatFormat.Options history = new QstatFormat.Options(true, false, false, false);

        List<String> lines = QstatFormat.lines(aCompletedJob(1, "hello", Duration.ofSeconds(1), 0), history, NOW);

        assertEquals(List.of("1.cluster                 hello            alice           00:00:01 F batch"), lines);
    }

    @Test
    void longValuesAreCut() {
        TestJobs.Spec s = TestJobs.spec();
        s.name = "a-very-long-job-name-indeed";
        s.owner = "someone-with-a-long-login";
        s.queue = "a-long-queue";
        Job j = new Job(new dev.hpc.api.job.JobId(123456789, "cluster.example.org", false), s.build(), JobState.QUEUED,
                T0, List.of(Task.fresh(-1, false)), "", 1);

        assertEquals(List.of("123456789.cluster.example a-very-long-job- someone-with-a- "
                + "       0 Q a-long-queue"), QstatFormat.lines(j, PLAIN, NOW));
    }

    @Test
    void nodesGoOnTheirOwnLineOrWithMinusOneOnTheJobLine() {
        Job running = aRunningJob(4, "mpi", NOW.minusSeconds(5), slot("node1", 2), slot("node2", 1));
        Job queued = aQueuedJob(5, "q");

        assertEquals(List.of("4.cluster                 mpi              alice           00:00:05 R batch",
                "   node1/0*2+node2/0"), QstatFormat.lines(running, new QstatFormat.Options(false, false, true,
                false), NOW));
        assertEquals(List.of("5.cluster                 q                alice                  0 Q batch --"),
                QstatFormat.lines(queued, new QstatFormat.Options(false, false, true, true), NOW));
    }

    @Test
    void arrayJobIsOneLineUnlessExpanded() {
        Job array = anArrayJob(42, "sweep", 3);

        assertEquals(List.of("42[].cluster              sweep            alice           00:59:50 R batch"),
                QstatFormat.lines(array, PLAIN, NOW));
        assertEquals(List.of(
                "42[1].cluster             sweep            alice           00:59:50 R batch",
                "42[2].cluster             sweep            alice                  0 Q batch",
                "42[3].cluster             sweep            alice                  0 Q batch"),
                QstatFormat.lines(array, new QstatFormat.Options(false, true, false, false), NOW));
    }

    /** Issue 15: a million-task array as the head sends it, its started task and one entry for the rest. */
    @Test
    void aCompactArrayIsOneLineAndUnfoldsIntoEveryTask() {
        TestJobs.Spec s = TestJobs.spec();
        s.name = "sweep";
        s.array = java.util.Optional.of(new dev.hpc.api.job.ArraySpec("0-999999", dev.hpc.api.job.IndexSet.parse("0-999999"),
                0));
        dev.hpc.api.job.UnstartedTasks rest = new dev.hpc.api.job.UnstartedTasks(dev.hpc.api.job.IndexSet.parse("1-999999"),
                JobState.QUEUED, "", "waiting for resources", 0, dev.hpc.api.job.EndReason.NONE, Instant.EPOCH,
                Instant.EPOCH);
        Job array = TestJobs.job(43, s.build(), JobState.RUNNING, dev.hpc.api.job.TaskList.of(
                List.of(TestJobs.running(0, NOW.minusSeconds(10), slot("node1", 1))), rest));

        assertEquals(List.of("43[].cluster              sweep            alice           00:00:10 R batch"),
                QstatFormat.lines(array, PLAIN, NOW));
        List<String> all = QstatFormat.lines(array, new QstatFormat.Options(false, true, false, false), NOW);
        assertEquals(1_000_000, all.size());
        assertEquals("43[0].cluster             sweep            alice           00:00:10 R batch", all.get(0));
        assertEquals("43[999999].cluster        sweep            alice                  0 Q batch", all.get(999_999));
    }

    @Test
    void hostsSharedByArrayTasksAreListedOnce() {
        TestJobs.Spec s = TestJobs.spec();
        s.array = java.util.Optional.of(new dev.hpc.api.job.ArraySpec("1-3", List.of(1, 2, 3), 0));
        Job array = TestJobs.job(7, s.build(), JobState.RUNNING, List.of(
                TestJobs.running(1, NOW.minusSeconds(1), slot("node1", 1)),
                TestJobs.running(2, NOW.minusSeconds(1), slot("node2", 1)),
                TestJobs.running(3, NOW.minusSeconds(1), slot("node1", 1))));

        assertEquals("   node1/0+node2/0", QstatFormat.lines(array, new QstatFormat.Options(false, false, true, false),
                NOW).get(1));
    }
}
