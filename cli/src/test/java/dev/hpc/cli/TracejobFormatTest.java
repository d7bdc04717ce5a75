package dev.hpc.cli;

import dev.hpc.api.job.Alert;
import dev.hpc.api.job.Attempt;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.Task;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

import static dev.hpc.cli.TestJobs.T0;
import static dev.hpc.cli.TestJobs.slot;
import static org.junit.jupiter.api.Assertions.assertEquals;

class TracejobFormatTest {
    private static Attempt attempt(long id, String node, Instant start, Instant end, JobState outcome,
                                   EndReason reason, int exit) {
        return new Attempt(id, List.of(slot(node, 1)), start, end, outcome, reason, exit);
    }

    /** A job requeued by a node failure, rerun by an operator, then completed: every step on its own line. */
    @Test
    void aJobsWholeHistoryInTimeOrderWithTheEventLogsAlerts() {
        Instant s1 = T0.plusSeconds(2);
        Instant e1 = T0.plusSeconds(10);
        Instant s2 = T0.plusSeconds(12);
        Instant e2 = T0.plusSeconds(20);
        Instant s3 = T0.plusSeconds(21);
        Instant e3 = T0.plusSeconds(81);
        Task t = new Task(Task.NO_INDEX, JobState.COMPLETED, List.of(
                attempt(11, "node1", s1, e1, JobState.QUEUED, EndReason.NODE_FAILURE, -1),
                attempt(12, "node2", s2, e2, JobState.QUEUED, EndReason.CANCELLED, -1),
                attempt(13, "node2", s3, e3, JobState.COMPLETED, EndReason.EXITED, 0)), 0, EndReason.EXITED, "", e3);
        Job job = TestJobs.job(7, TestJobs.spec().build(), JobState.COMPLETED, List.of(t));
        List<Alert> alerts = List.of(
                new Alert(1, Alert.Kind.TASK_REQUEUED, "7.cluster", "task 7.cluster requeued: node node1 failed", e1),
                new Alert(2, Alert.Kind.TASK_REQUEUED, "7.cluster", "task 7.cluster requeued by olga (qrerun)", e2));

        String text = TracejobFormat.print(job, alerts, ZoneOffset.UTC);

        assertEquals("""
                Job: 7.cluster

                11/24/2026 00:14:32  S    Job Queued at request of alice@login1, owner = alice@login1, job name = hello, queue = batch
                11/24/2026 00:14:34  S    Job Run on exec_host node1/0 (attempt 1)
                11/24/2026 00:14:42  S    Job requeued: its node failed resources_used.walltime=00:00:08
                11/24/2026 00:14:42  E    TASK_REQUEUED task 7.cluster requeued: node node1 failed
                11/24/2026 00:14:44  S    Job Run on exec_host node2/0 (attempt 2)
                11/24/2026 00:14:52  S    Job requeued: its run was killed by qrerun resources_used.walltime=00:00:08
                11/24/2026 00:14:52  E    TASK_REQUEUED task 7.cluster requeued by olga (qrerun)
                11/24/2026 00:14:53  S    Job Run on exec_host node2/0 (attempt 3)
                11/24/2026 00:15:53  S    Job Exit_status=0 resources_used.walltime=00:01:00
                """, text);
    }

    /** Issue 18: what the node said an exit status means (a process limit reached) follows the status. */
    @Test
    void anExitAtAProcessLimitSaysWhichOnItsLine() {
        Instant end = T0.plusSeconds(5);
        String note = "exit status 152 is 128 + SIGXCPU, which the kernel sends a process of the job at its CPU-time "
                + "limit of 00:00:01 (-l cput/pcput)";
        Task t = new Task(Task.NO_INDEX, JobState.FAILED, List.of(attempt(21, "node1", T0, end, JobState.FAILED,
                EndReason.EXITED, 152)), 152, EndReason.EXITED, "the job script exited: " + note, end);
        Job job = TestJobs.job(10, TestJobs.spec().build(), JobState.FAILED, List.of(t));
        assertEquals("Job Exit_status=152 resources_used.walltime=00:00:05; " + note,
                TracejobFormat.events(job, List.of()).get(2).text());
        assertEquals("the job script exited: " + note, JobView.whole(job).comment());
        Task plain = new Task(Task.NO_INDEX, JobState.FAILED, List.of(attempt(22, "node1", T0, end, JobState.FAILED,
                EndReason.EXITED, 3)), 3, EndReason.EXITED, "the job script exited", end);
        Job exited = TestJobs.job(11, TestJobs.spec().build(), JobState.FAILED, List.of(plain));
        assertEquals("Job Exit_status=3 resources_used.walltime=00:00:05",
                TracejobFormat.events(exited, List.of()).get(2).text());
        assertEquals("", JobView.whole(exited).comment(), "an exit is its own explanation");
    }

    @Test
    void aJobCancelledBeforeItStartedAndOneStillHeld() {
        Instant end = T0.plusSeconds(30);
        Task cancelled = new Task(Task.NO_INDEX, JobState.CANCELLED, List.of(), 271, EndReason.CANCELLED,
                "cancelled by bob before it started", end);
        Job job = new Job(TestJobs.id(8), TestJobs.spec().build(), JobState.CANCELLED, T0, List.of(cancelled), "bob",
                1);
        assertEquals(List.of("Job Queued at request of alice@login1, owner = alice@login1, job name = hello, "
                        + "queue = batch", "Job deleted before it started at request of bob"),
                TracejobFormat.events(job, List.of()).stream().map(TracejobFormat.Event::text).toList());

        Job held = TestJobs.aHeldJob(9, "waiting");
        String text = TracejobFormat.print(held, List.of(), ZoneOffset.UTC);
        assertEquals(true, text.endsWith("\n\nNow HELD: " + held.tasks().get(0).comment() + "\n")
                || text.endsWith("\n\nNow HELD\n"), text);
    }
}
