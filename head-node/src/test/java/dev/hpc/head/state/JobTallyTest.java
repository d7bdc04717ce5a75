package dev.hpc.head.state;

import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.Task;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The figures {@code /metrics} shows are kept as jobs change (issue 20): after every command of a long random walk
 * of every kind ({@link RandomCommands}) they equal a count made from scratch over every job and task.
 */
class JobTallyTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

    private ClusterState state;
    private long admitted;
    private final long[] ended = new long[JobState.values().length];
    private final Map<Long, JobState> lastStates = new TreeMap<>();

    @Test
    void theKeptFiguresEqualACountFromScratchAfterEveryCommand() {
        for (long seed = 1; seed <= 20; seed++) {
            walk(seed);
        }
    }

    private void walk(long seed) {
        Random random = new Random(seed);
        RandomCommands commands = new RandomCommands(T0);
        state = commands.state();
        Arrays.fill(ended, 0);
        lastStates.clear();
        for (int step = 0; step < 300; step++) {
            String what = commands.step(random);
            admitted = commands.admitted();
            noteEnds();
            check("seed " + seed + " step " + step + " (" + what + ")");
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
        for (String q : RandomCommands.QUEUES) {
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
                f.byQueue().values().stream().mapToInt(r -> Arrays.stream(r.jobs()).sum()).sum(), where);
    }
}
