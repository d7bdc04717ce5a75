package dev.hpc.head.state;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.Preemptions;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19, item 6: a preemption goes through the one commit: the victim is signalled, then requeued (a new attempt
 * to come, not a failure) or cancelled once it ends, and both jobs say who preempted whom.
 */
class PreemptionStateTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    private ClusterState state;

    private static JobSpec aJob(String queue, boolean rerunnable) {
        return new JobSpec("job", "alice", "login", "#!/bin/bash\ntrue\n", "/home/alice", "/home/alice", Map.of(), queue,
                Resources.DEFAULT, Optional.empty(), List.of(), false, 0, rerunnable, "", "", JoinMode.NONE, "",
                List.of(), "", Instant.EPOCH);
    }

    private void queue(String name, Map<String, String> settings) {
        state.apply(new Command.ChangeQueue(name, Command.QueueChange.CREATE, settings, Set.of(), "root"));
    }

    private Job submit(JobSpec spec) {
        return state.apply(new Command.Admit(state.prepareSubmit(spec, T0))).answer().orElseThrow();
    }

    private Job job(long n) {
        return state.job(n).orElseThrow();
    }

    /** One scheduling cycle as the head runs it: starts, then preemptions. */
    private Outcome cycle(Instant now) {
        var snapshot = state.snapshot(now);
        Plan plan = Scheduler.plan(snapshot, Policy.DEFAULT, now);
        state.apply(new Command.Start(plan.placements(), now));
        Outcome out = state.apply(new Command.Preempt(Preemptions.plan(snapshot, plan), now));
        state.apply(new Command.Explain(plan.waiting(), plan.estimates()));
        return out;
    }

    @BeforeEach
    void oneCoreAndTwoQueues() {
        state = new ClusterState("c", 1, 1, 3);
        state.apply(new Command.RegisterNode(new Register("n1", "n1", 1, 8L << 30, Map.of(), "", List.of(),
                List.of()), T0));
        queue("low", Map.of("preempt-grace", "10s"));
        queue("high", Map.of("priority", "100", "preempt-targets", "low"));
    }

    @Test
    void aVictimIsSignalledThenRequeuedAndThePreemptorStarts() {
        submit(aJob("low", true));
        cycle(T0);
        long first = job(1).tasks().get(0).currentAttemptId();
        submit(aJob("high", true));
        Outcome preempt = cycle(T0);
        assertEquals(List.of(new Effect.Signal("n1", first, "TERM")), preempt.effects());
        assertEquals(2, preempt.changedJobs().size(), "both jobs are committed with the preemption");
        assertEquals("2.c", job(1).spec().recorded().get("preempted_by"));
        assertEquals("1.c", job(2).spec().recorded().get("preempted"));
        assertTrue(job(1).tasks().get(0).comment().startsWith("preempted by 2.c (queue high); SIGTERM sent"),
                job(1).tasks().get(0).comment());

        Outcome again = cycle(T0.plusSeconds(1));
        assertTrue(again.effects().isEmpty(), "a task being preempted is not preempted again");
        assertFalse(state.preemptionDue(T0.plusSeconds(9)));
        assertTrue(state.preemptionDue(T0.plusSeconds(10)));
        Outcome kill = state.apply(new Command.PreemptDeadlines(T0.plusSeconds(10)));
        assertEquals(List.of(new Effect.Signal("n1", first, "KILL")), kill.effects());
        assertFalse(state.preemptionDue(T0.plusSeconds(11)), "SIGKILL goes once");

        state.apply(new Command.Finish("n1", new TaskResult(first, "1.c", 271, EndReason.EXITED, T0.plusSeconds(10))));
        assertEquals(JobState.QUEUED, job(1).state(), "requeued, not failed");
        assertEquals("preempted by 2.c (queue high), requeued", job(1).tasks().get(0).comment());
        assertEquals(EndReason.PREEMPTED, job(1).tasks().get(0).attempts().get(0).reason());
        assertEquals(JobState.QUEUED, job(1).tasks().get(0).attempts().get(0).outcome());

        cycle(T0.plusSeconds(11));
        assertEquals(JobState.RUNNING, job(2).state(), "the preemptor takes the freed core");
        assertEquals(JobState.QUEUED, job(1).state());
        assertTrue(job(1).tasks().get(0).comment().startsWith("preempted by 2.c (queue high), requeued; waiting"),
                job(1).tasks().get(0).comment());
        long high = job(2).tasks().get(0).currentAttemptId();
        state.apply(new Command.Finish("n1", new TaskResult(high, "2.c", 0, EndReason.EXITED, T0.plusSeconds(12))));
        cycle(T0.plusSeconds(12));
        assertEquals(JobState.RUNNING, job(1).state(), "the victim runs again");
        assertEquals(2, job(1).tasks().get(0).attempts().size());
    }

    @Test
    void aQueueInCancelModeOrAJobThatMayNotRerunEndsCancelled() {
        state.apply(new Command.ChangeQueue("low", Command.QueueChange.SET, Map.of("preempt-mode", "cancel"),
                Set.of(), "root"));
        submit(aJob("low", true));
        cycle(T0);
        long first = job(1).tasks().get(0).currentAttemptId();
        submit(aJob("high", true));
        cycle(T0);
        state.apply(new Command.Finish("n1", new TaskResult(first, "1.c", 0, EndReason.EXITED, T0.plusSeconds(1))));
        assertEquals(JobState.CANCELLED, job(1).state());
        assertEquals(EndReason.PREEMPTED, job(1).reason());
        assertEquals("preempted by 2.c (queue high), cancelled", job(1).tasks().get(0).comment());
    }

    @Test
    void aHigherOrEqualQueueIsNeverPreempted() {
        queue("top", Map.of("priority", "200"));
        submit(aJob("top", true));
        cycle(T0);
        // high names only low; and even named, top's priority is above high's
        state.apply(new Command.ChangeQueue("high", Command.QueueChange.SET, Map.of("preempt-targets", "low,top"),
                Set.of(), "root"));
        submit(aJob("high", true));
        Outcome none = cycle(T0);
        assertTrue(none.effects().isEmpty());
        assertEquals(JobState.RUNNING, job(1).state());
    }

    @Test
    void aZeroGraceKillsAtOnce() {
        state.apply(new Command.ChangeQueue("low", Command.QueueChange.SET, Map.of("preempt-grace", "0"), Set.of(),
                "root"));
        submit(aJob("low", true));
        cycle(T0);
        long first = job(1).tasks().get(0).currentAttemptId();
        submit(aJob("high", true));
        assertEquals(List.of(new Effect.Signal("n1", first, "KILL")), cycle(T0).effects());
        assertFalse(state.preemptionDue(T0.plus(Duration.ofHours(1))));
    }

    @Test
    void aSlurmQosNamingAQueuePutsTheJobThereAndAnUnknownOneIsOnlyRecorded() {
        JobSpec plain = aJob("batch", true);
        JobSpec high = new JobSpec(plain.name(), plain.owner(), plain.submitHost(), plain.script(), plain.submitDir(),
                plain.workDir(), Map.of(), "batch", plain.resources(), Optional.empty(), List.of(), false, 0, true, "",
                "", JoinMode.NONE, "", List.of(), "", Instant.EPOCH, "", Map.of("sbatch.qos", "high"));
        assertEquals("high", submit(high).spec().queue());
        JobSpec unknown = high.withRecorded("sbatch.qos", "gold");
        Job kept = submit(unknown);
        assertEquals("batch", kept.spec().queue());
        assertEquals("gold", kept.spec().recorded().get("sbatch.qos"));
        assertEquals("low", submit(high.withQueue("low")).spec().queue(), "a queue named outright wins");
    }
}
