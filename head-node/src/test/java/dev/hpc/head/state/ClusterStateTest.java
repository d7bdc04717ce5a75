package dev.hpc.head.state;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Alert;
import dev.hpc.api.job.ArraySpec;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.job.Resources;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.RunningTask;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.head.RequestRejected;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.Scheduler;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterStateTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    private ClusterState state;

    static JobSpec aJob(Resources resources, boolean rerunnable) {
        return new JobSpec("job", "alice", "login", "#!/bin/bash\ntrue\n", "/home/alice", "/home/alice", Map.of(),
                "batch", resources, Optional.empty(), List.of(), false, 0, rerunnable, "", "", JoinMode.NONE, "",
                List.of(), "", Instant.EPOCH);
    }

    static JobSpec anArrayJob(int size, int throttle) {
        List<Integer> indices = java.util.stream.IntStream.rangeClosed(1, size).boxed().toList();
        JobSpec s = aJob(Resources.DEFAULT, true);
        return new JobSpec(s.name(), s.owner(), s.submitHost(), s.script(), s.submitDir(), s.workDir(), Map.of(),
                "batch", s.resources(), Optional.of(new ArraySpec("1-" + size, indices, throttle)), List.of(), false,
                0, true, "", "", JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
    }

    private Job submit(JobSpec spec) {
        Job prepared = state.prepareSubmit(spec, T0);
        return state.apply(new Command.Admit(prepared)).answer().orElseThrow();
    }

    private void registerNode(String name, int cores, List<RunningTask> running, List<TaskResult> finished) {
        registerNodeAt(T0, name, cores, running, finished);
    }

    private void registerNodeAt(Instant at, String name, int cores, List<RunningTask> running,
                                List<TaskResult> finished) {
        state.apply(new Command.RegisterNode(new Register(name, name, cores, 8L << 30, Map.of(), "", running,
                finished), at));
    }

    private Outcome cycle() {
        Plan plan = Scheduler.plan(state.snapshot(), Policy.DEFAULT, T0);
        return state.apply(new Command.Start(plan.placements(), T0));
    }

    private Job job(long n) {
        return state.job(n).orElseThrow();
    }

    private long attemptOf(long n) {
        return job(n).tasks().get(0).currentAttemptId();
    }

    private static JobId.JobRef ref(String text) {
        return JobId.parse(text);
    }

    @BeforeEach
    void freshCluster() {
        state = new ClusterState("c", 1, 1, 3);
        registerNode("n1", 2, List.of(), List.of());
        registerNode("n2", 2, List.of(), List.of());
    }

    @Test
    void jobsGetIncreasingNumbersAndTheDefaultOutputPaths() {
        Job first = submit(aJob(Resources.DEFAULT, true));
        Job second = submit(aJob(Resources.DEFAULT, true));
        assertEquals("1.c", first.id().toString());
        assertEquals("2.c", second.id().toString());
        assertEquals("/home/alice/job.o1", first.spec().stdoutPath());
        assertEquals("/home/alice/job.e1", first.spec().stderrPath());
    }

    @Test
    void aJobRunsAndCompletesOnceOnItsCurrentAttempt() {
        submit(aJob(Resources.DEFAULT, true));
        Outcome started = cycle();
        assertEquals(1, started.effects().size());
        assertTrue(started.effects().get(0) instanceof Effect.Launch);
        assertEquals(JobState.RUNNING, job(1).state());
        long attempt = attemptOf(1);
        state.apply(new Command.Finish("n1", new TaskResult(attempt, "1.c", 0, EndReason.EXITED, T0)));
        assertEquals(JobState.COMPLETED, job(1).state());
        Outcome again = state.apply(new Command.Finish("n1", new TaskResult(attempt, "1.c", 3, EndReason.EXITED,
                T0)));
        assertEquals(JobState.COMPLETED, job(1).state(), "a second result of the same attempt changes nothing");
        assertEquals(0, job(1).exitStatus());
        assertTrue(again.changedJobs().isEmpty());
        assertTrue(again.effects().get(0) instanceof Effect.Ack, "the repeat is still acknowledged");
    }

    @Test
    void aNonZeroExitIsAFailedJobWithItsStatus() {
        submit(aJob(Resources.DEFAULT, true));
        cycle();
        state.apply(new Command.Finish("n1", new TaskResult(attemptOf(1), "1.c", 3, EndReason.EXITED, T0)));
        assertEquals(JobState.FAILED, job(1).state());
        assertEquals(3, job(1).exitStatus());
    }

    @Test
    void issue8ALaunchTheNodeRefusedFailsTheTaskWithTheNodesReasonInItsComment() {
        submit(aJob(Resources.DEFAULT, true));
        cycle();
        state.apply(new Command.Finish("n1", new TaskResult(attemptOf(1), "1.c", -1, EndReason.LAUNCH_FAILED, T0,
                "owner alice does not exist on node n1")));
        assertEquals(JobState.FAILED, job(1).state());
        assertEquals("the worker could not start it: owner alice does not exist on node n1",
                job(1).tasks().get(0).comment());
    }

    @Test
    void aRerunnableTaskOfALostNodeIsRequeuedWithANewAttemptAndTheOldResultIsIgnored() {
        submit(aJob(Resources.DEFAULT, true));
        cycle();
        long first = attemptOf(1);
        String node = job(1).tasks().get(0).attempts().get(0).nodes().get(0).node();
        state.apply(new Command.LoseNode(node, "no heartbeat", EndReason.NODE_FAILURE, T0));
        assertEquals(JobState.QUEUED, job(1).state());
        assertEquals(NodeState.DOWN, state.node(node).orElseThrow().state());
        cycle();
        long second = attemptOf(1);
        assertTrue(second != first);
        assertTrue(!job(1).tasks().get(0).attempts().get(1).nodes().get(0).node().equals(node));
        state.apply(new Command.Finish(node, new TaskResult(first, "1.c", 0, EndReason.EXITED, T0)));
        assertEquals(JobState.RUNNING, job(1).state(), "the stale attempt's result is ignored");
        assertEquals(2, job(1).tasks().get(0).attempts().size());
    }

    @Test
    void aTaskThatMayNotRerunFailsWithTheNodeFailureReason() {
        submit(aJob(Resources.DEFAULT, false));
        cycle();
        String node = job(1).tasks().get(0).attempts().get(0).nodes().get(0).node();
        state.apply(new Command.LoseNode(node, "no heartbeat", EndReason.NODE_FAILURE, T0));
        assertEquals(JobState.FAILED, job(1).state());
        assertEquals(EndReason.NODE_FAILURE, job(1).reason());
    }

    @Test
    void aTaskRequeuedTooOftenFails() {
        state = new ClusterState("c", 1, 1, 1);
        registerNode("n1", 2, List.of(), List.of());
        submit(aJob(Resources.DEFAULT, true));
        for (int i = 0; i < 2; i++) {
            cycle();
            state.apply(new Command.LoseNode("n1", "gone", EndReason.NODE_FAILURE, T0));
            registerNode("n1", 2, List.of(), List.of());
        }
        assertEquals(JobState.FAILED, job(1).state());
        assertEquals(EndReason.REQUEUE_LIMIT, job(1).reason());
    }

    @Test
    void cancellingAQueuedJobEndsItAtOnceAndARunningOneThroughItsWorker() {
        submit(aJob(Resources.DEFAULT.withCoresPerNode(2), true));
        submit(aJob(Resources.DEFAULT.withCoresPerNode(2), true));
        submit(aJob(Resources.DEFAULT.withCoresPerNode(2), true));
        cycle();
        assertEquals(JobState.QUEUED, job(3).state());
        state.apply(new Command.Cancel(ref("3"), "alice", T0));
        assertEquals(JobState.CANCELLED, job(3).state());
        Outcome cancel = state.apply(new Command.Cancel(ref("1.c"), "alice", T0));
        assertTrue(cancel.effects().stream().anyMatch(e -> e instanceof Effect.Kill));
        assertEquals(JobState.RUNNING, job(1).state(), "running until the worker reports the kill");
        state.apply(new Command.Finish("n1", new TaskResult(attemptOf(1), "1.c", 271, EndReason.CANCELLED, T0)));
        assertEquals(JobState.CANCELLED, job(1).state());
        assertEquals("alice", job(1).cancelledBy());
    }

    @Test
    void aRerunKillsTheAttemptAndQueuesTheTaskWithoutBlamingItsNode() {
        submit(aJob(Resources.DEFAULT, true));
        cycle();
        long first = attemptOf(1);
        String node = job(1).tasks().get(0).attempts().get(0).nodes().get(0).node();
        Outcome rerun = state.apply(new Command.Rerun(ref("1"), "olga", T0));
        assertEquals(List.of(new Effect.Kill(node, first, EndReason.CANCELLED)), rerun.effects());
        assertEquals(1, rerun.changedJobs().size(), "the change is committed with the command");
        assertEquals(JobState.QUEUED, job(1).state());
        assertEquals("requeued by olga (qrerun)", job(1).tasks().get(0).comment());
        dev.hpc.api.job.Attempt closed = job(1).tasks().get(0).attempts().get(0);
        assertEquals(JobState.QUEUED, closed.outcome());
        assertEquals(EndReason.CANCELLED, closed.reason());
        assertEquals(Alert.Kind.TASK_REQUEUED, rerun.alerts().get(0).kind());
        assertEquals(0, state.node(node).orElseThrow().coresUsed(), "its cores are free again");
        assertEquals(NodeState.FREE, state.node(node).orElseThrow().state(), "the node is not blamed");

        cycle();
        long second = attemptOf(1);
        assertTrue(second != first);
        assertEquals(JobState.RUNNING, job(1).state());
        state.apply(new Command.Finish(node, new TaskResult(first, "1.c", 271, EndReason.CANCELLED, T0)));
        assertEquals(JobState.RUNNING, job(1).state(), "the killed attempt's result is stale");
        state.apply(new Command.Finish(job(1).tasks().get(0).attempts().get(1).nodes().get(0).node(),
                new TaskResult(second, "1.c", 0, EndReason.EXITED, T0)));
        assertEquals(JobState.COMPLETED, job(1).state());
    }

    @Test
    void aRerunOfAJobThatDoesNotRunOrMayNotRerunIsRefusedAndChangesNothing() {
        submit(aJob(Resources.DEFAULT.withCoresPerNode(2), true));
        submit(aJob(Resources.DEFAULT.withCoresPerNode(2), false));
        submit(aJob(Resources.DEFAULT.withCoresPerNode(2), true));
        cycle();
        assertEquals(JobState.QUEUED, job(3).state());
        Rejection queued = assertThrows(Rejection.class,
                () -> state.apply(new Command.Rerun(ref("3"), "olga", T0)));
        assertEquals(409, RequestRejected.from(queued).status());
        assertTrue(queued.getMessage().contains("only running jobs can be rerun"), queued.getMessage());
        Rejection notRerunnable = assertThrows(Rejection.class,
                () -> state.apply(new Command.Rerun(ref("2"), "olga", T0)));
        assertTrue(notRerunnable.getMessage().contains("qsub -r n"), notRerunnable.getMessage());
        assertEquals(JobState.RUNNING, job(2).state());
        assertEquals(1, job(2).tasks().get(0).attempts().size());

        state.apply(new Command.Cancel(ref("1"), "alice", T0));
        Rejection cancelling = assertThrows(Rejection.class,
                () -> state.apply(new Command.Rerun(ref("1"), "olga", T0)));
        assertTrue(cancelling.getMessage().contains("being cancelled"), cancelling.getMessage());
        assertThrows(Rejection.class, () -> state.apply(new Command.Rerun(ref("42"), "olga", T0)));
    }

    @Test
    void holdAndReleaseAreRefusedInTheWrongStateAndChangeNothing() {
        submit(aJob(Resources.DEFAULT, true));
        state.apply(new Command.Hold(ref("1"), "alice"));
        assertEquals(JobState.HELD, job(1).state());
        assertTrue(cycle().effects().isEmpty(), "a held job does not start");
        state.apply(new Command.Release(ref("1"), "alice"));
        cycle();
        long version = job(1).version();
        Rejection e = assertThrows(Rejection.class, () -> state.apply(new Command.Hold(ref("1"), "a")));
        assertEquals(409, RequestRejected.from(e).status());
        assertEquals(version, job(1).version());
        assertEquals(JobState.RUNNING, job(1).state());
    }

    @Test
    void unknownJobsAreRejectedWithThePbsMessage() {
        Rejection e = assertThrows(Rejection.class,
                () -> state.apply(new Command.Cancel(ref("42.c"), "alice", T0)));
        assertEquals("Unknown Job Id 42.c", e.getMessage());
        assertEquals(404, RequestRejected.from(e).status());
        submit(aJob(Resources.DEFAULT, true));
        assertThrows(Rejection.class, () -> state.apply(new Command.Cancel(ref("1.other"), "alice", T0)));
    }

    @Test
    void aRequestNoNodeCouldEverHoldIsRefusedAndTakesNoNumber() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> state.prepareSubmit(aJob(Resources.DEFAULT.withCoresPerNode(64), true), T0));
        assertTrue(e.getMessage().contains("64 cores per node but the largest node has 2"), e.getMessage());
        assertThrows(InvalidRequestException.class,
                () -> state.prepareSubmit(aJob(Resources.DEFAULT.withNodes(3), true), T0));
        assertEquals("1.c", submit(aJob(Resources.DEFAULT, true)).id().toString());
    }

    @Test
    void aReturningWorkerKeepsItsCurrentTasksAndKillsStaleOnes() {
        submit(aJob(Resources.DEFAULT, true));
        submit(aJob(Resources.DEFAULT, true));
        cycle();
        long a1 = attemptOf(1);
        String node1 = job(1).tasks().get(0).attempts().get(0).nodes().get(0).node();
        Outcome re = state.apply(new Command.RegisterNode(new Register(node1, node1, 2, 8L << 30, Map.of(), "",
                List.of(new RunningTask(a1, "1.c", 100), new RunningTask(999, "x", 101)), List.of()), T0));
        assertEquals(JobState.RUNNING, job(1).state());
        assertEquals(a1, attemptOf(1), "adopted, not restarted");
        assertTrue(re.effects().stream().anyMatch(e -> e instanceof Effect.Kill k && k.attemptId() == 999));
    }

    @Test
    void aReturningWorkerThatLostATaskGetsItRequeuedAndItsBufferedResultsCount() {
        submit(aJob(Resources.DEFAULT, true));
        submit(aJob(Resources.DEFAULT, true));
        cycle();
        String n1 = job(1).tasks().get(0).attempts().get(0).nodes().get(0).node();
        String n2 = job(2).tasks().get(0).attempts().get(0).nodes().get(0).node();
        registerNodeAt(T0.plusSeconds(10), n1, 2, List.of(), List.of());
        assertEquals(JobState.QUEUED, job(1).state());
        registerNode(n2, 2, List.of(), List.of(new TaskResult(attemptOf(2), "2.c", 0, EndReason.EXITED, T0)));
        assertEquals(JobState.COMPLETED, job(2).state());
    }

    /**
     * Regression (issue 16): results a worker buffered while no head was active, reported when it registers
     * with the new head, ended their tasks in memory but were never part of the outcome, so they were never
     * written or replicated; the next takeover found them RUNNING and ran them again.
     */
    @Test
    void resultsReportedAtRegistrationAreChangesToCommit() {
        submit(aJob(Resources.DEFAULT, true));
        cycle();
        String node = job(1).tasks().get(0).attempts().get(0).nodes().get(0).node();
        long versionBefore = job(1).version();
        Outcome re = state.apply(new Command.RegisterNode(new Register(node, node, 2, 8L << 30, Map.of(), "",
                List.of(), List.of(new TaskResult(attemptOf(1), "1.c", 0, EndReason.EXITED, T0))), T0));
        List<Job> written = re.changedJobs().stream().filter(j -> j.id().number() == 1).toList();
        assertEquals(1, written.size(), "the finished job is among the changes to commit: " + re.changedJobs());
        assertEquals(JobState.COMPLETED, written.get(0).state());
        assertTrue(written.get(0).version() > versionBefore, "a newer version than the running one");
    }

    /** Every change of a job in one command is committed once, in its final form (issue 16). */
    @Test
    void aJobChangedTwiceInOneCommandIsCommittedOnceInItsFinalForm() {
        submit(aJob(Resources.DEFAULT, true));
        submit(aJob(Resources.DEFAULT, true));
        cycle();
        Outcome both = state.apply(new Command.FinishAll(List.of(
                new Command.Finish("n1", new TaskResult(attemptOf(1), "1.c", 0, EndReason.EXITED, T0)),
                new Command.Finish("n2", new TaskResult(attemptOf(2), "2.c", 1, EndReason.EXITED, T0)))));
        assertEquals(List.of(1L, 2L), both.changedJobs().stream().map(j -> j.id().number()).toList());
        assertEquals(job(1), both.changedJobs().get(0), "the committed form is the one the state holds");
    }

    /**
     * Regression (issue 3, found by FailoverIT): a registration sent before a launch reached the worker
     * requeued the attempt, and the worker then ran it too, so the script started twice.
     */
    @Test
    void aRegistrationThatCrossesALaunchDoesNotRequeueTheYoungAttempt() {
        submit(aJob(Resources.DEFAULT, true));
        cycle();
        long attempt = attemptOf(1);
        String node = job(1).tasks().get(0).attempts().get(0).nodes().get(0).node();
        registerNodeAt(T0.plusMillis(50), node, 2, List.of(), List.of());
        assertEquals(JobState.RUNNING, job(1).state());
        assertEquals(attempt, attemptOf(1), "the launch on its way stays the current attempt");
    }

    @Test
    void anArrayJobHasATaskPerIndexAndRespectsItsThrottle() {
        state = new ClusterState("c", 1, 1, 3);
        registerNode("n1", 8, List.of(), List.of());
        Job array = submit(anArrayJob(10, 2));
        assertEquals("1[].c", array.id().toString());
        assertEquals(10, array.tasks().size());
        assertEquals(2, cycle().effects().size());
        assertEquals(0, cycle().effects().size());
        long first = array.tasks().get(0).index();
        long attempt = job(1).tasks().get(0).currentAttemptId();
        state.apply(new Command.Finish("n1", new TaskResult(attempt, "1[" + first + "].c", 0, EndReason.EXITED, T0)));
        assertEquals(1, cycle().effects().size());
        state.apply(new Command.Cancel(ref("1[10]"), "alice", T0));
        assertEquals(JobState.CANCELLED, job(1).tasks().get(9).state());
    }

    @Test
    void attemptIdsOfDifferentEpochsNeverCollide() {
        ClusterState next = new ClusterState("c", 2, 1, 3);
        submit(aJob(Resources.DEFAULT, true));
        cycle();
        assertTrue(attemptOf(1) < (2L << 32));
        assertTrue(next.epoch() == 2);
    }

    @Test
    void resultsAppliedTogetherRecordTheirArrayJobOnceAndAckEachAttempt() {
        registerNode("n3", 2, List.of(), List.of());
        submit(anArrayJob(4, 0));
        cycle();
        List<Command.Finish> results = job(1).tasks().stream()
                .filter(t -> t.state() == JobState.RUNNING)
                .map(t -> new Command.Finish(t.currentNodes().get(0).node(), new TaskResult(t.currentAttemptId(),
                        "1[" + t.index() + "].c", 0, EndReason.EXITED, T0)))
                .toList();
        assertEquals(4, results.size());

        Outcome out = state.apply(new Command.FinishAll(results));

        assertEquals(1, out.changedJobs().size());
        assertEquals(JobState.COMPLETED, out.changedJobs().get(0).state());
        assertEquals(4, out.effects().stream().filter(e -> e instanceof Effect.Ack).count());
        assertEquals(JobState.COMPLETED, job(1).state());
    }

    /** Issue 16: every committed change of a node carries a newer version, and a standby's state goes on from it. */
    @Test
    void eachCommittedChangeOfANodeHasANewerVersionAndARestoredStateGoesOnFromIt() {
        registerNode("node1", 4, List.of(), List.of());
        long registered = state.node("node1").orElseThrow().version();
        assertTrue(registered > 0, "the registration was committed at a version");
        Outcome offline = state.apply(new Command.SetOffline("node1", "disk", "root", T0));
        long afterOffline = offline.changedNodes().get(0).version();
        assertTrue(afterOffline > registered, afterOffline + " after " + registered);

        ClusterState standby = new ClusterState("c", 2, 1, 3);
        standby.restore(offline.changedNodes().get(0), T0);
        Outcome cleared = standby.apply(new Command.ClearNode("node1", "root", T0));
        assertTrue(cleared.changedNodes().get(0).version() > afterOffline,
                "the new active head's change is newer than the old head's last");
    }
    /**
     * Issue 17: a record carries the epoch of the head that wrote it, in the high half of its version, so that a
     * late write of a deposed head is older than every write of the head that followed it, however many changes
     * the deposed head made (each store and the maps keep the higher version).
     */
    @Test
    void aVersionCarriesTheEpochOfItsWriterAndEveryWriteOfANewerEpochIsNewer() {
        Job submitted = submit(aJob(Resources.DEFAULT, true));
        assertEquals(1, submitted.version() >>> 32, "written at epoch 1");

        ClusterState deposed = new ClusterState("c", 1, 1, 3);
        deposed.restore(job(1));
        ClusterState next = new ClusterState("c", 2, 1, 3);
        next.restore(job(1));
        long lastOfTheDeposed = 0;
        for (int i = 0; i < 50; i++) {
            lastOfTheDeposed = deposed.apply(new Command.Hold(ref("1"), "alice")).changedJobs().get(0).version();
            deposed.apply(new Command.Release(ref("1"), "alice"));
        }
        long firstOfTheNext = next.apply(new Command.Hold(ref("1"), "alice")).changedJobs().get(0).version();

        assertEquals(2, firstOfTheNext >>> 32, "written at epoch 2");
        assertTrue(firstOfTheNext > lastOfTheDeposed, firstOfTheNext + " after " + lastOfTheDeposed);
    }
}
