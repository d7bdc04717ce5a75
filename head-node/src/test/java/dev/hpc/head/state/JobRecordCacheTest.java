package dev.hpc.head.state;

import dev.hpc.api.job.ArraySpec;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.IndexSet;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.job.Task;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.TaskResult;
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
     * A random walk of every kind of command that changes jobs (submissions plain, held and arrays, cycles with
     * their explanations, results, cancels of jobs and of tasks, holds, releases, qalter, qorder, qrerun, a lost
     * node, expiry): after each, every record kept equals the job built afresh. Every job is read after each
     * step, so every job's record is checked after every command.
     */
    @Test
    void aKeptRecordIsTheJobAsItIsAfterEveryCommand() {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            fresh();
            register("n1", 3);
            register("n2", 2);
            for (int step = 0; step < 300; step++) {
                now = now.plusSeconds(1);
                String what = act(random);
                for (Job j : state.jobs(JobFilter.ALL, 0, Integer.MAX_VALUE).jobs()) {
                    long n = j.id().number();
                    Optional<Job> kept = state.keptJob(n);
                    Job built = state.job(n).orElseThrow();
                    if (kept.isPresent()) {
                        assertEquals(built, kept.get(), "seed " + seed + ", after " + what + ": job " + n);
                    }
                    assertEquals(Optional.of(built), state.keptJob(n));
                }
            }
        }
    }

    private String act(Random random) {
        List<Job> jobs = state.jobs(JobFilter.ALL, 0, Integer.MAX_VALUE).jobs();
        Job some = jobs.isEmpty() ? null : jobs.get(random.nextInt(jobs.size()));
        JobId.JobRef whole = some == null ? null : JobId.parse(String.valueOf(some.id().number()));
        try {
            switch (random.nextInt(12)) {
                case 0, 1 -> {
                    submit(spec(random.nextBoolean() ? "alice" : "bob", random.nextBoolean()
                            ? Optional.of("0-" + random.nextInt(12)) : Optional.empty(), random.nextInt(4) == 0));
                    return "submit";
                }
                case 2, 3 -> {
                    cycle();
                    return "cycle";
                }
                case 4, 5 -> {
                    List<Task> running = jobs.stream().flatMap(j -> j.listedTasks().stream())
                            .filter(t -> t.state() == JobState.RUNNING).toList();
                    if (running.isEmpty()) {
                        return "no result";
                    }
                    Task t = running.get(random.nextInt(running.size()));
                    state.apply(new Command.Finish(t.currentNodes().get(0).node(), new TaskResult(
                            t.currentAttemptId(), "x", random.nextInt(3) == 0 ? 1 : 0, EndReason.EXITED, now)));
                    return "result";
                }
                case 6 -> {
                    if (some == null) {
                        return "no cancel";
                    }
                    String ref = some.id().array() && random.nextBoolean() ? some.id().number() + "[0]"
                            : String.valueOf(some.id().number());
                    state.apply(new Command.Cancel(JobId.parse(ref), "root", now));
                    return "cancel " + ref;
                }
                case 7 -> {
                    if (some == null) {
                        return "no hold";
                    }
                    state.apply(random.nextBoolean() ? new Command.Hold(whole, "root", random.nextBoolean() ? "u"
                            : "o") : new Command.Release(whole, "root", "u"));
                    return "hold or release of " + whole;
                }
                case 8 -> {
                    if (some == null) {
                        return "no alter";
                    }
                    String value = String.valueOf(random.nextInt(3));
                    state.apply(new Command.Alter(whole, s -> s.withRecorded("Account_Name", value), "root", now));
                    return "alter of " + whole;
                }
                case 9 -> {
                    if (jobs.size() < 2) {
                        return "no order";
                    }
                    Job other = jobs.get(random.nextInt(jobs.size()));
                    state.apply(new Command.Order(whole, JobId.parse(String.valueOf(other.id().number())), "root"));
                    return "order of " + whole + " and " + other.id();
                }
                case 10 -> {
                    if (some == null) {
                        return "no rerun";
                    }
                    state.apply(new Command.Rerun(whole, "root", now));
                    return "rerun of " + whole;
                }
                default -> {
                    if (random.nextBoolean()) {
                        state.apply(new Command.LoseNode("n2", "gone", EndReason.NODE_FAILURE, now));
                        register("n2", 2);
                        return "lose n2";
                    }
                    state.apply(new Command.Expire(now.minusSeconds(random.nextInt(30))));
                    return "expire";
                }
            }
        } catch (Rejection e) {
            return "refused: " + e.getMessage();
        }
    }
}
