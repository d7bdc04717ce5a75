package dev.hpc.head.state;

import dev.hpc.api.job.ArraySpec;
import dev.hpc.api.job.IndexSet;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.Scheduler;
import dev.hpc.head.sched.TaskKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21: a read of one job is answered from the record an earlier read kept ({@link ClusterState#keptJob}), so
 * a kept record must be the job as the state holds it after every command, whichever path changed the job.
 */
class JobRecordCacheTest {
    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");

    private ClusterState state;
    private Instant now = T0;

    private static JobSpec spec(String owner, Optional<String> array, boolean held) {
        return new JobSpec("j", owner, "login", "#!/bin/sh\ntrue\n", "/home/" + owner, "/home/" + owner, Map.of(),
                "batch", Resources.DEFAULT, array.map(a -> new ArraySpec(a, IndexSet.parse(a), 0)), List.of(), held,
                0, true, "", "", JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
    }

    private Job submit(JobSpec spec) {
        return state.apply(new Command.Admit(state.prepareSubmit(spec, now))).answer().orElseThrow();
    }

    private void register(String node, int cores) {
        state.apply(new Command.RegisterNode(new Register(node, node, cores, 8L << 30, Map.of(), "", List.of(),
                List.of()), now));
    }

    private void cycle() {
        Plan plan = Scheduler.plan(state.snapshot(now), Policy.DEFAULT, now);
        state.apply(new Command.Start(plan.placements(), now));
        state.apply(new Command.Explain(plan.waiting(), plan.estimates()));
    }

    private void fresh() {
        state = new ClusterState("c", 1, 1, 3);
        now = T0;
    }

    @Test
    void aReadKeepsTheRecordUntilACommandChangesTheJob() {
        fresh();
        register("n1", 1);
        submit(spec("alice", Optional.empty(), false));
        submit(spec("alice", Optional.of("0-9"), false));
        assertTrue(state.keptJob(2).isEmpty(), "nothing is kept before a read");
        Job read = state.job(2).orElseThrow();
        assertEquals(Optional.of(read), state.keptJob(2));

        state.apply(new Command.Hold(JobId.parse("1"), "alice", "u"));
        assertEquals(Optional.of(read), state.keptJob(2), "another job's change leaves it kept");
        state.apply(new Command.Hold(JobId.parse("2"), "alice", "u"));
        assertTrue(state.keptJob(2).isEmpty(), "its own change forgets it");
        assertEquals(JobState.HELD, state.job(2).orElseThrow().state());
        assertEquals(JobState.HELD, state.keptJob(2).orElseThrow().state(), "the next read keeps the new form");
    }

    @Test
    void aRefusedCommandOrARepeatedExplanationKeepsTheRecordAndANewExplanationForgetsIt() {
        fresh();
        register("n1", 1);
        submit(spec("alice", Optional.empty(), false));
        submit(spec("alice", Optional.of("0-9"), false));
        cycle();
        Job waiting = state.job(2).orElseThrow();
        assertThrows(Rejection.class, () -> state.apply(new Command.Release(JobId.parse("2"), "alice", "u")));
        assertEquals(Optional.of(waiting), state.keptJob(2), "a refused command changes nothing");
        cycle();
        assertEquals(Optional.of(waiting), state.keptJob(2), "the next cycle says the same of it");

        state.apply(new Command.Explain(Map.of(new TaskKey(2, 0), "a reason not given before"), Map.of()));
        assertTrue(state.keptJob(2).isEmpty(), "what readers see of it changed, though nothing is committed");
        assertEquals("a reason not given before", state.job(2).orElseThrow().tasks().get(0).comment());
    }

    @Test
    void aJobThatLeavesTheStateLeavesNoRecord() {
        fresh();
        register("n1", 1);
        submit(spec("alice", Optional.empty(), false));
        state.apply(new Command.Cancel(JobId.parse("1"), "alice", now));
        assertEquals(JobState.CANCELLED, state.job(1).orElseThrow().state());
        assertTrue(state.keptJob(1).isPresent());
        assertEquals(List.of(1L), state.apply(new Command.Expire(now.plusSeconds(1))).expiredJobs());
        assertTrue(state.keptJob(1).isEmpty(), "a forgotten job is read from the store, not from a kept record");
    }

    @Test
    void noMoreRecordsAreKeptThanTheCapacity() {
        JobRecordCache cache = new JobRecordCache();
        fresh();
        Job one = submit(spec("alice", Optional.empty(), false));
        for (long n = 1; n <= JobRecordCache.CAPACITY + 10; n++) {
            cache.keep(new Job(new JobId(n, "c", false), one.spec(), one.state(), one.submitted(), one.tasks(), "",
                    one.version(), n, one.queueSince()));
        }
        assertEquals(JobRecordCache.CAPACITY, cache.size());
        assertTrue(cache.get(JobRecordCache.CAPACITY + 10).isPresent(), "the record just kept is kept");
    }

    /**
     * A random walk of every kind of command that changes jobs ({@link RandomCommands}): after each, every record
     * kept equals the job built afresh. Every job is read after each step, so every job's record is checked after
     * every command.
     */
    @Test
    void aKeptRecordIsTheJobAsItIsAfterEveryCommand() {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            RandomCommands commands = new RandomCommands(T0);
            ClusterState walked = commands.state();
            for (int step = 0; step < 300; step++) {
                String what = commands.step(random);
                for (Job j : walked.jobs(JobFilter.ALL, 0, Integer.MAX_VALUE).jobs()) {
                    long n = j.id().number();
                    Optional<Job> kept = walked.keptJob(n);
                    Job built = walked.job(n).orElseThrow();
                    if (kept.isPresent()) {
                        assertEquals(built, kept.get(), "seed " + seed + ", after " + what + ": job " + n);
                    }
                    assertEquals(Optional.of(built), walked.keptJob(n));
                }
            }
        }
    }
}
