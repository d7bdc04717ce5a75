package dev.hpc.head.state;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobOutput;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.head.RequestRejected;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 20: qsig, qmsg and qorder as commands of the state, and the scheduler honouring qorder's swap. */
class JobControlTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    private static final Resources WHOLE_NODE = Resources.DEFAULT.withCoresPerNode(2);
    private ClusterState state;

    private static JobSpec aJob(String owner, Resources r, int priority) {
        return new JobSpec("job", owner, "login", "#!/bin/bash\ntrue\n", "/home/" + owner, "/home/" + owner, Map.of(),
                "batch", r, Optional.empty(), List.of(), false, priority, true, "", "", JoinMode.NONE, "", List.of(),
                "", Instant.EPOCH);
    }

    private Job submitAt(Instant at, JobSpec spec) {
        Job prepared = state.prepareSubmit(spec, at);
        return state.apply(new Command.Admit(prepared)).answer().orElseThrow();
    }

    private Plan cycle(Instant now) {
        Plan plan = Scheduler.plan(state.snapshot(now), Policy.DEFAULT, now);
        state.apply(new Command.Start(plan.placements(), now));
        return plan;
    }

    private Job job(long n) {
        return state.job(n).orElseThrow();
    }

    private void finish(long n, Instant at) {
        dev.hpc.api.job.Task t = job(n).tasks().get(0);
        state.apply(new Command.Finish(t.currentNodes().get(0).node(),
                new TaskResult(t.currentAttemptId(), n + ".c", 0, EndReason.EXITED, at)));
    }

    private Set<Long> running() {
        return java.util.stream.LongStream.rangeClosed(1, state.nextJobNumber() - 1).boxed()
                .filter(n -> state.job(n).map(j -> j.state() == JobState.RUNNING).orElse(false))
                .collect(Collectors.toSet());
    }

    private static JobId.JobRef ref(String text) {
        return JobId.parse(text);
    }

    @BeforeEach
    void twoNodesOfTwoCores() {
        state = new ClusterState("c", 1, 1, 3);
        for (String n : List.of("n1", "n2")) {
            state.apply(new Command.RegisterNode(new Register(n, n, 2, 8L << 30, Map.of(), "", List.of(), List.of()),
                    T0));
        }
    }

    @Test
    void aSignalGoesToEveryNodeOfTheRunningAttemptAndChangesNothing() {
        submitAt(T0, aJob("alice", WHOLE_NODE.withNodes(2), 0));
        cycle(T0);
        Job before = job(1);
        long attempt = before.tasks().get(0).currentAttemptId();
        Outcome out = state.apply(new Command.Signal(ref("1"), "alice", "USR1"));
        assertEquals(Set.of(new Effect.Signal("n1", attempt, "USR1"), new Effect.Signal("n2", attempt, "USR1")),
                Set.copyOf(out.effects()));
        assertEquals(List.of(), out.changedJobs(), "a signal is no change of the job");
        assertEquals(before, job(1));
    }

    @Test
    void aSignalOrMessageToAJobThatDoesNotRunIsRefusedInPbsWords() {
        submitAt(T0, aJob("alice", WHOLE_NODE.withNodes(2), 0));
        submitAt(T0, aJob("alice", WHOLE_NODE, 0));
        cycle(T0);
        assertEquals(JobState.QUEUED, job(2).state());
        Rejection sig = assertThrows(Rejection.class,
                () -> state.apply(new Command.Signal(ref("2"), "alice", "TERM")));
        assertEquals(409, RequestRejected.from(sig).status());
        assertEquals("job 2 is QUEUED; only running jobs can be signalled (Request invalid for state of job)",
                sig.getMessage());
        Rejection msg = assertThrows(Rejection.class,
                () -> state.apply(new Command.Message(ref("2"), "alice", JobOutput.Stream.STDERR, "hello")));
        assertTrue(msg.getMessage().contains("(Request invalid for state of job)"), msg.getMessage());
        assertThrows(Rejection.class, () -> state.apply(new Command.Signal(ref("42"), "alice", "TERM")));
    }

    @Test
    void aMessageGoesOnlyToTheNodeWhereTheScriptRuns() {
        submitAt(T0, aJob("alice", WHOLE_NODE.withNodes(2), 0));
        cycle(T0);
        dev.hpc.api.job.Task t = job(1).tasks().get(0);
        Outcome out = state.apply(new Command.Message(ref("1"), "olga", JobOutput.Stream.STDOUT, "checkpoint"));
        assertEquals(List.of(new Effect.AppendOutput(t.currentNodes().get(0).node(), t.currentAttemptId(),
                JobOutput.Stream.STDOUT, "checkpoint")), out.effects());
        assertEquals(List.of(), out.changedJobs());
    }

    @Test
    void qorderSwapsTwoPlacesAndTheSchedulerStartsTheLaterJobFirst() {
        submitAt(T0, aJob("alice", WHOLE_NODE, 0));
        submitAt(T0, aJob("alice", WHOLE_NODE, 0));
        cycle(T0);
        assertEquals(Set.of(1L, 2L), running());
        // job 3 is older than job 4, so without the swap its age alone puts it first
        submitAt(T0, aJob("alice", WHOLE_NODE, 0));
        submitAt(T0.plus(Duration.ofHours(12)), aJob("alice", WHOLE_NODE, 0));
        Outcome swap = state.apply(new Command.Order(ref("3"), ref("4"), "alice"));
        assertEquals(Set.of(3L, 4L), swap.changedJobs().stream().map(j -> j.id().number()).collect(Collectors.toSet()),
                "both jobs' new places are committed with the command");
        assertTrue(swap.needsReschedule());
        assertEquals(4, job(3).queueRank());
        assertEquals(3, job(4).queueRank());
        assertEquals(T0.plus(Duration.ofHours(12)), job(3).queueSince());
        assertEquals("place swapped with job 4.c by alice (qorder)", job(3).tasks().get(0).comment());

        Instant later = T0.plus(Duration.ofDays(1));
        finish(1, later);
        cycle(later);
        assertEquals(Set.of(2L, 4L), running(), "job 4 took job 3's place");
        assertEquals(JobState.QUEUED, job(3).state());
    }

    @Test
    void aSwapSurvivesTheRecordAsTheStandbyAndTheStoreHoldIt() {
        submitAt(T0, aJob("alice", WHOLE_NODE, 0));
        submitAt(T0.plusSeconds(5), aJob("alice", WHOLE_NODE, 0));
        state.apply(new Command.Order(ref("1"), ref("2"), "alice"));
        Job read = dev.hpc.api.json.Codec.readJob(dev.hpc.api.json.Json.readObject(dev.hpc.api.json.Json.write(
                dev.hpc.api.json.Codec.toMap(job(1), true))));
        assertEquals(2, read.queueRank());
        assertEquals(T0.plusSeconds(5), read.queueSince());
        Job unswapped = dev.hpc.api.json.Codec.readJob(dev.hpc.api.json.Json.readObject(dev.hpc.api.json.Json.write(
                dev.hpc.api.json.Codec.toMap(new Job(job(1).id(), job(1).spec(), JobState.QUEUED, T0, List.of(), "", 1),
                        true))));
        assertEquals(1, unswapped.queueRank(), "a record without a place ranks by its number");
    }

    @Test
    void qorderRefusesWhatItCannotHonourAndChangesNothing() {
        submitAt(T0, aJob("alice", WHOLE_NODE, 0));
        submitAt(T0, aJob("alice", WHOLE_NODE, 0));
        cycle(T0);
        submitAt(T0, aJob("alice", WHOLE_NODE, 0));
        submitAt(T0, aJob("alice", WHOLE_NODE, 5));
        submitAt(T0, aJob("alice", WHOLE_NODE, 0));
        Rejection runningJob = assertThrows(Rejection.class,
                () -> state.apply(new Command.Order(ref("1"), ref("3"), "alice")));
        assertTrue(runningJob.getMessage().contains("has state RUNNING"), runningJob.getMessage());
        Rejection priorities = assertThrows(Rejection.class,
                () -> state.apply(new Command.Order(ref("3"), ref("4"), "alice")));
        assertTrue(priorities.getMessage().contains("qalter -p"), priorities.getMessage());
        Rejection same = assertThrows(Rejection.class,
                () -> state.apply(new Command.Order(ref("3"), ref("3.c"), "alice")));
        assertTrue(same.getMessage().contains("two different jobs"), same.getMessage());
        assertThrows(Rejection.class, () -> state.apply(new Command.Order(ref("3"), ref("99"), "alice")));
        for (long n = 3; n <= 5; n++) {
            assertEquals(n, job(n).queueRank(), "job " + n + " kept its place");
        }
    }
}
