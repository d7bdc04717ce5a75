package dev.hpc.cli;

import dev.hpc.api.client.HeadClient;
import dev.hpc.api.client.HeadTransport;
import dev.hpc.api.client.HpcApiException;
import dev.hpc.api.job.ArraySpec;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Task;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19 item 2: how {@code qsub -W block=true} waits for its job, with a head played by a queue of
 * answers and pauses recorded instead of taken; and the exit codes it gives for how jobs end.
 */
class JobWaiterTest {
    private static final JobWaiter.Settings SETTINGS =
            new JobWaiter.Settings(Duration.ofMillis(500), Duration.ofSeconds(10), 1.5);

    private final Deque<Supplier<Job>> answers = new ArrayDeque<>();
    private final List<Duration> pauses = new ArrayList<>();
    private final List<String> asked = new ArrayList<>();
    private final StringWriter err = new StringWriter();

    private JobWaiter waiter() {
        return new JobWaiter(id -> {
            asked.add(id);
            return answers.removeFirst().get();
        }, pauses::add, SETTINGS, () -> 0.5, new PrintWriter(err, true), "qsub");
    }

    private void answer(int times, Job job) {
        for (int i = 0; i < times; i++) {
            answers.add(() -> job);
        }
    }

    @Test
    void asksForTheOneJobUntilItEndsWithPausesThatGrowToAMaximum() throws Exception {
        answer(12, TestJobs.aRunningJob(7, "x", TestJobs.T0));
        answer(1, TestJobs.aCompletedJob(7, "x", Duration.ofSeconds(3), 3));
        JobWaiter.Outcome o = waiter().await("7.cluster");
        assertEquals(3, assertInstanceOf(JobWaiter.Ended.class, o).exitCode());
        assertEquals(13, asked.size());
        assertTrue(asked.stream().allMatch("7.cluster"::equals));
        assertEquals(List.of(500L, 750L, 1125L, 1687L, 2531L, 3796L, 5695L, 8542L, 10_000L, 10_000L, 10_000L,
                10_000L, 10_000L), pauses.stream().map(Duration::toMillis).toList());
        assertEquals("", err.toString(), "a job that simply exits is not commented on");
    }

    @Test
    void pausesAreSpreadByUpToATenthSoThatWaitersStartedTogetherDoNotAskTogether() throws Exception {
        List<Duration> seen = new ArrayList<>();
        for (double r : new double[] {0.0, 1.0}) {
            answer(1, TestJobs.aCompletedJob(7, "x", Duration.ofSeconds(3), 0));
            new JobWaiter(id -> answers.removeFirst().get(), seen::add, SETTINGS, () -> r, new PrintWriter(err),
                    "qsub").await("7");
        }
        assertEquals(List.of(Duration.ofMillis(450), Duration.ofMillis(550)), seen);
    }

    @Test
    void noHeadAnsweringIsSaidOnceAndTheWaitGoesOnThroughTheTakeover() throws Exception {
        answer(1, TestJobs.aRunningJob(7, "x", TestJobs.T0));
        for (int i = 0; i < 3; i++) {
            answers.add(() -> {
                throw new HeadTransport.UnavailableException("no head answered within 30 s (127.0.0.1:1: connection "
                        + "refused)");
            });
        }
        answer(1, TestJobs.aRunningJob(7, "x", TestJobs.T0));
        answer(1, TestJobs.aCompletedJob(7, "x", Duration.ofSeconds(3), 0));
        JobWaiter.Outcome o = waiter().await("7.cluster");
        assertEquals(0, assertInstanceOf(JobWaiter.Ended.class, o).exitCode());
        assertEquals("qsub: no head answered within 30 s (127.0.0.1:1: connection refused); still waiting for job "
                + "7.cluster (Ctrl-C stops waiting and leaves the job alone)\n"
                + "qsub: a head answers again; still waiting for job 7.cluster\n", err.toString());
    }

    @Test
    void aJobTheHeadNoLongerKnowsEndsTheWaitAsQstatWouldSayIt() throws Exception {
        answer(1, TestJobs.aQueuedJob(7, "x"));
        answers.add(() -> {
            throw new HpcApiException(404, "UNKNOWN_JOB", "job 7.cluster does not exist");
        });
        JobWaiter.Outcome o = waiter().await("7.cluster");
        assertEquals(new JobWaiter.Unknown("job 7.cluster does not exist"), o);
        assertEquals(ExitCodes.UNKNOWN_JOB, BlockingWait.exitCode(o, "7.cluster", new PrintWriter(err, true)));
        assertEquals("qsub: stopped waiting for job 7.cluster: job 7.cluster does not exist\n", err.toString());
    }

    @Test
    void anyOtherRefusalIsNotWaitedThrough() {
        answers.add(() -> {
            throw new HpcApiException(401, "UNAUTHENTICATED", "the token was revoked");
        });
        assertThrows(HpcApiException.class, () -> waiter().await("7.cluster"));
    }

    @Test
    void anInterruptedPauseStopsTheWait() {
        JobWaiter w = new JobWaiter(id -> TestJobs.aQueuedJob(7, "x"), d -> {
            throw new InterruptedException();
        }, SETTINGS, () -> 0.5, new PrintWriter(err), "qsub");
        assertThrows(InterruptedException.class, () -> w.await("7.cluster"));
        assertTrue(BlockingWait.interrupted("7.cluster").contains("stopped waiting for job 7.cluster, which goes on"));
    }

    @Test
    void aCancelledOrKilledJobExitsWithItsStatusModulo256AndSaysWhy() {
        Job cancelled = ended(JobState.CANCELLED, 271, EndReason.CANCELLED);
        assertEquals(15, BlockingWait.exitCode(new JobWaiter.Ended(cancelled, JobWaiter.exitCode(cancelled)),
                "7.cluster", new PrintWriter(err, true)));
        assertEquals("qsub: job 7.cluster cancelled (exit status 271); qsub exits with 15\n", err.toString());
        assertEquals(9, JobWaiter.exitCode(ended(JobState.FAILED, 265, EndReason.WALLTIME)));
        assertEquals(255, JobWaiter.exitCode(ended(JobState.FAILED, -1, EndReason.NODE_FAILURE)));
        assertEquals(1, JobWaiter.exitCode(ended(JobState.FAILED, 0, EndReason.LAUNCH_FAILED)),
                "a job that did not complete never gives 0");
        assertEquals(0, JobWaiter.exitCode(ended(JobState.COMPLETED, 0, EndReason.EXITED)));
    }

    @Test
    void anArrayGivesTheHighestCodeOfItsTasks() {
        TestJobs.Spec s = TestJobs.spec();
        s.array = Optional.of(new ArraySpec("1-3", List.of(1, 2, 3), 3));
        NodeSlot n = TestJobs.slot("node1", 1);
        Job array = TestJobs.job(8, s.build(), JobState.FAILED, List.of(
                TestJobs.ended(1, JobState.COMPLETED, TestJobs.T0, Duration.ofSeconds(1), 0, EndReason.EXITED, n),
                TestJobs.ended(2, JobState.FAILED, TestJobs.T0, Duration.ofSeconds(1), 3, EndReason.EXITED, n),
                TestJobs.ended(3, JobState.FAILED, TestJobs.T0, Duration.ofSeconds(1), 42, EndReason.EXITED, n)));
        assertEquals(42, JobWaiter.exitCode(array));
        assertEquals(3, array.exitStatus(), "qstat's exit_status stays the first non-zero");
    }

    private static Job ended(JobState state, int status, EndReason reason) {
        return TestJobs.job(7, TestJobs.spec().build(), state, List.of(TestJobs.ended(Task.NO_INDEX, state, TestJobs.T0,
                Duration.ofSeconds(1), status, reason, TestJobs.slot("node1", 1))));
    }
}
