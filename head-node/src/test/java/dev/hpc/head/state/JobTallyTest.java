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
import dev.hpc.head.sched.QueueDef;
import dev.hpc.head.sched.Scheduler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The figures {@code /metrics} shows are kept as jobs change (issue 20): after every command of a long random walk
 * (submissions plain, held and arrays in two queues, cycles, results, cancels of jobs and of tasks, holds,
 * releases, a queue change, a lost node, expiry) they equal a count made from scratch over every job and task.
 */
class JobTallyTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    private static final List<String> USERS = List.of("alice", "bob", "carol");
    private static final List<String> QUEUES = List.of("batch", "short");

    private ClusterState state;
    private Instant now = T0;
    private long admitted;
    private final long[] ended = new long[JobState.values().length];
    private final Map<Long, JobState> lastStates = new TreeMap<>();

    private static JobSpec spec(String owner, String queue, Optional<String> array, boolean held) {
        return new JobSpec("j", owner, "login", "#!/bin/sh\ntrue\n", "/home/" + owner, "/home/" + owner, Map.of(),
                queue, Resources.DEFAULT, array.map(a -> new ArraySpec(a, IndexSet.parse(a), 0)), List.of(), held, 0,
                true, "", "", JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
    }

    @Test
    void theKeptFiguresEqualACountFromScratchAfterEveryCommand() {
        for (long seed = 1; seed <= 20; seed++) {
            walk(seed);
        }
    }

    private void walk(long seed) {
        Random random = new Random(seed);
        state = new ClusterState("c", 1, 1, 3);
        state.useQueues(List.of(QueueDef.open("batch"), QueueDef.open("short")), "batch");
        now = T0;
        admitted = 0;
        java.util.Arrays.fill(ended, 0);
        lastStates.clear();
        for (String n : List.of("n1", "n2")) {
            state.apply(new Command.RegisterNode(new Register(n, n, 3, 8L << 30, Map.of(), "", List.of(), List.of()),
                    now));
        }
        for (int step = 0; step < 300; step++) {
            now = now.plusSeconds(1);
            String what = act(random);
            noteEnds();
            check("seed " + seed + " step " + step + " (" + what + ")");
        }
    }

    private String act(Random random) {
        String user = USERS.get(random.nextInt(USERS.size()));
        List<Job> jobs = state.jobs(JobFilter.ALL, 0, Integer.MAX_VALUE).jobs();
        Job some = jobs.isEmpty() ? null : jobs.get(random.nextInt(jobs.size()));
        try {
            switch (random.nextInt(10)) {
                case 0, 1 -> {
                    Optional<String> array = random.nextBoolean() ? Optional.of("0-" + random.nextInt(12))
                            : Optional.empty();
                    Job j = state.prepareSubmit(spec(user, QUEUES.get(random.nextInt(2)), array,
                            random.nextInt(4) == 0), now);
                    state.apply(new Command.Admit(j));
                    admitted++;
                    return "submit";
                }
                case 2, 3 -> {
                    Plan plan = Scheduler.plan(state.snapshot(now), Policy.DEFAULT, now);
                    state.apply(new Command.Start(plan.placements(), now));
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
                    JobId.JobRef ref = JobId.parse(String.valueOf(some.id().number()));
                    state.apply(random.nextBoolean() ? new Command.Hold(ref, "root", "u")
                            : new Command.Release(ref, "root", "u"));
                    return "hold or release";
                }
                case 8 -> {
                    if (some == null) {
                        return "no alter";
                    }
                    String to = QUEUES.get(random.nextInt(2));
                    state.apply(new Command.Alter(JobId.parse(String.valueOf(some.id().number())),
                            s -> s.withQueue(to), "root", now));
                    return "alter to " + to;
                }
                default -> {
                    if (random.nextBoolean()) {
                        state.apply(new Command.LoseNode("n2", "gone", EndReason.NODE_FAILURE, now));
                        state.apply(new Command.RegisterNode(new Register("n2", "n2", 3, 8L << 30, Map.of(), "",
                                List.of(), List.of()), now));
                        return "lose n2";
                    }
                    state.apply(new Command.Expire(now.minusSeconds(random.nextInt(30))));
                    return "expire";
                }
            }
        } catch (Rejection e) {
            return "refused: " + e.getMessage(); // a refused command changes nothing, which is checked too
        }
    }

    /** Counts the jobs that ended since the last command, from their records. */
    private void noteEnds() {
        Map<Long, JobState> seen = new TreeMap<>();
        for (Job j : state.jobs(JobFilter.ALL, 0, Integer.MAX_VALUE).jobs()) {
            JobState before = lastStates.get(j.id().number());
            if (j.state().isTerminal() && (before == null ? true : !before.isTerminal())) {
                ended[j.state().ordinal()]++;
            }
            seen.put(j.id().number(), j.state());
        }
        lastStates.clear();
        lastStates.putAll(seen);
    }

    private void check(String where) {
        int n = JobState.values().length;
        Map<String, int[]> jobsByQueue = new TreeMap<>();
        Map<String, long[]> tasksByQueue = new TreeMap<>();
        Map<String, int[]> byUser = new TreeMap<>();
        for (String q : QUEUES) {
            jobsByQueue.put(q, new int[n]);
            tasksByQueue.put(q, new long[n]);
        }
        long queued = 0;
        for (Job j : state.jobs(JobFilter.ALL, 0, Integer.MAX_VALUE).jobs()) {
            String q = j.spec().queue();
            jobsByQueue.computeIfAbsent(q, k -> new int[n])[j.state().ordinal()]++;
            for (Task t : j.tasks()) {
                tasksByQueue.computeIfAbsent(q, k -> new long[n])[t.state().ordinal()]++;
                queued += t.state() == JobState.QUEUED ? 1 : 0;
            }
            int[] u = byUser.computeIfAbsent(j.spec().owner(), k -> new int[n]);
            u[j.state().ordinal()]++;
        }
        byUser.values().removeIf(u -> u[JobState.QUEUED.ordinal()] + u[JobState.HELD.ordinal()]
                + u[JobState.RUNNING.ordinal()] == 0);
        JobFigures f = state.jobFigures();
        assertEquals(jobsByQueue.keySet(), f.byQueue().keySet(), where);
        jobsByQueue.forEach((q, c) -> assertArrayEquals(c, f.byQueue().get(q).jobs(), where + " jobs of " + q));
        tasksByQueue.forEach((q, c) -> assertArrayEquals(c, f.byQueue().get(q).tasks(), where + " tasks of " + q));
        assertEquals(byUser.keySet(), f.byUser().keySet(), where);
        byUser.forEach((u, c) -> assertArrayEquals(c, f.byUser().get(u), where + " jobs of " + u));
        assertEquals(admitted, f.admitted(), where);
        assertArrayEquals(ended, f.ended(), where + " ended");
        assertEquals(queued, state.queuedTasks(), where + " queue length");
        assertEquals(state.jobCounts().values().stream().mapToInt(Integer::intValue).sum(),
                f.byQueue().values().stream().mapToInt(r -> java.util.Arrays.stream(r.jobs()).sum()).sum(), where);
    }
}
