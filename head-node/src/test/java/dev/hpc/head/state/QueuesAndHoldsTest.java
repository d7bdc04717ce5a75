package dev.hpc.head.state;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Dependency;
import dev.hpc.api.job.DependencyType;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.QueueInfo;
import dev.hpc.api.job.Resources;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.QueueDef;
import dev.hpc.head.sched.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 5 in the state: queues at submission, generic resources, holds, qalter, dependencies, usage. */
class QueuesAndHoldsTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    private ClusterState state;

    private static JobSpec aJob(String owner, String queue, Resources r, List<Dependency> deps) {
        return new JobSpec("job", owner, "login", "#!/bin/bash\ntrue\n", "/home/" + owner, "/home/" + owner, Map.of(),
                queue, r, Optional.empty(), deps, false, 0, true, "", "", JoinMode.NONE, "", List.of(), "",
                Instant.EPOCH);
    }

    private static JobSpec aJob(String queue, Resources r) {
        return aJob("alice", queue, r, List.of());
    }

    private Job submit(JobSpec spec) {
        Job prepared = state.prepareSubmit(spec, T0);
        return state.apply(new Command.Admit(prepared)).answer().orElseThrow();
    }

    private Plan cycle(Instant now) {
        Plan plan = Scheduler.plan(state.snapshot(now), Policy.DEFAULT, now);
        state.apply(new Command.DependencyNeverMet(plan.unsatisfiable(), now));
        state.apply(new Command.Start(plan.placements(), now));
        state.apply(new Command.Explain(plan.waiting(), plan.estimates()));
        return plan;
    }

    private void finish(long job, int status, Instant at) {
        long attempt = state.job(job).orElseThrow().tasks().get(0).currentAttemptId();
        String node = state.job(job).orElseThrow().tasks().get(0).currentNodes().get(0).node();
        state.apply(new Command.Finish(node, new TaskResult(attempt, job + ".c", status, EndReason.EXITED, at)));
    }

    private Job job(long n) {
        return state.job(n).orElseThrow();
    }

    @BeforeEach
    void aClusterWithTwoQueues() {
        state = new ClusterState("c", 1, 1, 3);
        state.apply(new Command.RegisterNode(new Register("n1", "n1", 4, 8L << 30, Map.of(), "", List.of(),
                List.of()), T0));
        state.apply(new Command.RegisterNode(new Register("gpu1", "gpu1", 4, 8L << 30, Map.of("gpu", 2L), "",
                List.of(), List.of()), T0));
        state.useQueues(List.of(
                new QueueDef("batch", 0, Set.of(), Duration.ofHours(1), Duration.ofHours(24), 8, 0, true, true),
                new QueueDef("debug", 100, Set.of("n1"), Duration.ZERO, Duration.ofMinutes(30), 2, 1, true, true),
                new QueueDef("old", 0, Set.of(), Duration.ZERO, Duration.ZERO, 0, 0, false, true)), "batch");
    }

    @Test
    void anUnknownQueueIsRefusedWithTheListOfQueues() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> state.prepareSubmit(aJob("nosuch", Resources.DEFAULT), T0));
        assertEquals("queue 'nosuch' does not exist; queues are: batch, debug, old (the default is batch)",
                e.getMessage());
    }

    @Test
    void aDisabledQueueIsRefused() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> state.prepareSubmit(aJob("old", Resources.DEFAULT), T0));
        assertTrue(e.getMessage().startsWith("queue 'old' is disabled"), e.getMessage());
    }

    @Test
    void theQueuesDefaultWalltimeIsAppliedAndItsLimitsEnforced() {
        assertEquals(Duration.ofHours(1), submit(aJob("batch", Resources.DEFAULT)).spec().resources().walltime());
        InvalidRequestException wall = assertThrows(InvalidRequestException.class, () -> state.prepareSubmit(
                aJob("debug", Resources.DEFAULT.withWalltime(Duration.ofHours(2))), T0));
        assertTrue(wall.getMessage().contains("allows at most 00:30:00"), wall.getMessage());
        InvalidRequestException cores = assertThrows(InvalidRequestException.class, () -> state.prepareSubmit(
                aJob("debug", Resources.DEFAULT.withCoresPerNode(4)), T0));
        assertTrue(cores.getMessage().contains("queue 'debug' allows at most 2 per job"), cores.getMessage());
    }

    @Test
    void genericResourcesAreMatchedAndRefusedWhenNoNodeHasThem() {
        Resources gpu = Resources.DEFAULT.withGeneric(Map.of("gpu", 1L));
        submit(aJob("batch", gpu));
        submit(aJob("batch", gpu));
        submit(aJob("batch", gpu));
        cycle(T0);
        assertEquals(JobState.RUNNING, job(1).state());
        assertEquals("gpu1", job(1).tasks().get(0).currentNodes().get(0).node());
        assertEquals(JobState.RUNNING, job(2).state());
        assertEquals(JobState.QUEUED, job(3).state(), "two gpus, two jobs");
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> state.prepareSubmit(
                aJob("batch", Resources.DEFAULT.withGeneric(Map.of("fpga", 1L))), T0));
        assertTrue(e.getMessage().contains("no node of the cluster has it"), e.getMessage());
        InvalidRequestException q = assertThrows(InvalidRequestException.class, () -> state.prepareSubmit(
                aJob("debug", gpu), T0));
        assertTrue(q.getMessage().contains("queue 'debug'"), q.getMessage());
    }

    @Test
    void aStaleStartIsDroppedWhenTheGpusAreTaken() {
        Resources gpu = Resources.DEFAULT.withGeneric(Map.of("gpu", 2L));
        submit(aJob("batch", gpu));
        submit(aJob("batch", gpu));
        Plan first = Scheduler.plan(state.snapshot(T0), Policy.DEFAULT, T0);
        Plan second = Scheduler.plan(state.snapshot(T0), Policy.DEFAULT, T0);
        state.apply(new Command.Start(first.placements(), T0));
        state.apply(new Command.Start(second.placements(), T0));
        assertEquals(JobState.RUNNING, job(1).state());
        assertEquals(JobState.QUEUED, job(2).state(), "the re-check refuses a second task on the same gpus");
    }

    @Test
    void operatorAndUserHoldsAreReleasedSeparately() {
        submit(aJob("batch", Resources.DEFAULT));
        JobId.JobRef ref = JobId.parse("1");
        state.apply(new Command.Hold(ref, "alice", "u"));
        state.apply(new Command.Hold(ref, "root", "o"));
        assertEquals("uo", job(1).tasks().get(0).holds());
        state.apply(new Command.Release(ref, "alice", "u"));
        assertEquals(JobState.HELD, job(1).state(), "the operator hold remains");
        assertEquals("o", job(1).tasks().get(0).holds());
        Rejection e = assertThrows(Rejection.class,
                () -> state.apply(new Command.Release(ref, "alice", "u")));
        assertTrue(e.getMessage().contains("no user hold to release"), e.getMessage());
        state.apply(new Command.Release(ref, "root", "o"));
        assertEquals(JobState.QUEUED, job(1).state());
        assertEquals("", job(1).tasks().get(0).holds());
    }

    @Test
    void qalterChangesAQueuedJobAndChecksItLikeASubmission() {
        submit(aJob("batch", Resources.DEFAULT));
        InvalidRequestException tooLong = assertThrows(InvalidRequestException.class, () -> state.apply(
                new Command.Alter(JobId.parse("1"), s -> s.withQueue("debug"), "alice", T0)));
        assertTrue(tooLong.getMessage().contains("allows at most 00:30:00"), "batch gave it an hour");
        Job altered = state.apply(new Command.Alter(JobId.parse("1"), s -> s.withResources(
                s.resources().withCoresPerNode(2).withWalltime(Duration.ofMinutes(10))).withQueue("debug"), "alice",
                T0)).answer().orElseThrow();
        assertEquals("debug", altered.spec().queue());
        assertEquals(2, altered.spec().resources().coresPerNode());
        assertThrows(InvalidRequestException.class, () -> state.apply(new Command.Alter(JobId.parse("1"),
                s -> s.withResources(s.resources().withCoresPerNode(4)), "alice", T0)));
        assertEquals(2, job(1).spec().resources().coresPerNode(), "a refused change changes nothing");
        cycle(T0);
        assertEquals("n1", job(1).tasks().get(0).currentNodes().get(0).node(), "debug runs on n1 only");
        Rejection running = assertThrows(Rejection.class, () -> state.apply(new Command.Alter(
                JobId.parse("1"), s -> s, "alice", T0)));
        assertTrue(running.getMessage().contains("only a job whose tasks are all queued or held"));
    }

    @Test
    void qmoveChecksTheJobAgainstItsNewQueueAndRefusesARunningJob() {
        submit(aJob("batch", Resources.DEFAULT));
        InvalidRequestException tooLong = assertThrows(InvalidRequestException.class, () -> state.apply(
                new Command.Move(JobId.parse("1"), "debug", "alice", T0)));
        assertTrue(tooLong.getMessage().contains("queue 'debug' allows at most 00:30:00"), tooLong.getMessage());
        InvalidRequestException unknown = assertThrows(InvalidRequestException.class, () -> state.apply(
                new Command.Move(JobId.parse("1"), "nosuch", "alice", T0)));
        assertTrue(unknown.getMessage().contains("queues are: batch, debug, old"), unknown.getMessage());
        assertThrows(InvalidRequestException.class, () -> state.apply(new Command.Move(JobId.parse("1"), "old",
                "alice", T0)), "a disabled queue takes no job");
        Rejection same = assertThrows(Rejection.class, () -> state.apply(
                new Command.Move(JobId.parse("1"), "batch", "alice", T0)));
        assertTrue(same.getMessage().contains("is in queue 'batch' already"), same.getMessage());
        assertEquals("batch", job(1).spec().queue(), "a refused move changes nothing");

        submit(aJob("batch", Resources.DEFAULT.withWalltime(Duration.ofMinutes(10))));
        Outcome moved = state.apply(new Command.Move(JobId.parse("2"), "debug", "bob", T0));
        assertEquals(1, moved.changedJobs().size(), "committed with the command");
        assertEquals("debug", job(2).spec().queue());
        assertEquals("moved from queue batch by bob; waiting for the scheduler", job(2).tasks().get(0).comment());
        cycle(T0);
        assertEquals("n1", job(2).tasks().get(0).currentNodes().get(0).node(), "debug runs on n1 only");
        Rejection running = assertThrows(Rejection.class, () -> state.apply(new Command.Move(
                JobId.parse("2"), "batch", "alice", T0)));
        assertTrue(running.getMessage().contains("has state RUNNING; only a job whose tasks are all queued or held "
                + "can be moved to another queue"), running.getMessage());
    }

    @Test
    void eachDependencyTypeWaitsThenRunsOrIsCancelled() {
        submit(aJob("batch", Resources.DEFAULT)); // 1: will succeed
        submit(aJob("batch", Resources.DEFAULT)); // 2: will fail
        submit(aJob("alice", "batch", Resources.DEFAULT, List.of(new Dependency(DependencyType.AFTEROK, List.of(1L)))));
        submit(aJob("alice", "batch", Resources.DEFAULT, List.of(new Dependency(DependencyType.AFTEROK, List.of(2L)))));
        submit(aJob("alice", "batch", Resources.DEFAULT,
                List.of(new Dependency(DependencyType.AFTERNOTOK, List.of(2L)))));
        submit(aJob("alice", "batch", Resources.DEFAULT,
                List.of(new Dependency(DependencyType.AFTERNOTOK, List.of(1L)))));
        submit(aJob("alice", "batch", Resources.DEFAULT, List.of(new Dependency(DependencyType.AFTERANY, List.of(2L)))));
        submit(aJob("alice", "batch", Resources.DEFAULT, List.of(new Dependency(DependencyType.AFTER, List.of(1L)))));
        Plan first = cycle(T0);
        assertEquals(Set.of(1L, 2L), first.placements().stream().map(p -> p.task().jobNumber())
                .collect(java.util.stream.Collectors.toSet()), "after:1 may start once 1 started: next cycle");
        assertEquals("s", job(3).tasks().get(0).holds(), "a job waiting for a dependency shows a system hold");
        assertTrue(job(3).tasks().get(0).comment().startsWith(Scheduler.DEPENDENCY_REASON + "afterok:1.c"));
        finish(1, 0, T0.plusSeconds(10));
        finish(2, 1, T0.plusSeconds(10));
        cycle(T0.plusSeconds(11));
        assertEquals(JobState.RUNNING, job(3).state(), "afterok:1 and 1 succeeded");
        assertEquals(JobState.CANCELLED, job(4).state(), "afterok:2 and 2 failed");
        assertEquals(EndReason.DEPENDENCY_NEVER_MET, job(4).reason());
        assertEquals(JobState.RUNNING, job(5).state(), "afternotok:2 and 2 failed");
        assertEquals(JobState.CANCELLED, job(6).state(), "afternotok:1 and 1 succeeded");
        assertEquals(JobState.RUNNING, job(7).state(), "afterany:2");
        assertEquals(JobState.RUNNING, job(8).state(), "after:1");
    }

    @Test
    void usageIsChargedFromRealRunTimesAndDecays() {
        state.useFairShare(Duration.ofHours(1));
        submit(aJob("batch", Resources.DEFAULT.withCoresPerNode(2)));
        cycle(T0);
        finish(1, 0, T0.plusSeconds(100));
        assertEquals(200.0, state.usage(T0.plusSeconds(100)).get("alice"), 1e-6);
        assertEquals(100.0, state.usage(T0.plusSeconds(100).plus(Duration.ofHours(1))).get("alice"), 1e-6);
    }

    @Test
    void theQueuesAreListedWithTheirCounts() {
        submit(aJob("batch", Resources.DEFAULT));
        submit(aJob("debug", Resources.DEFAULT));
        state.apply(new Command.Hold(JobId.parse("2"), "alice"));
        List<QueueInfo> queues = state.queueInfos(T0);
        assertEquals(List.of("batch", "debug", "old"), queues.stream().map(QueueInfo::name).toList());
        assertEquals(1, queues.get(0).queued());
        assertTrue(queues.get(0).isDefault());
        assertEquals(1, queues.get(1).held());
        assertEquals(List.of("n1"), queues.get(1).nodes());
    }
}
