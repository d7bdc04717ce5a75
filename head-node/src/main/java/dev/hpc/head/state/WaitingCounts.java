package dev.hpc.head.state;

import dev.hpc.api.job.JobState;
import java.util.HashMap;
import java.util.Map;

/**
 * How many queued or held tasks, and how many jobs with such tasks, each owner has, kept as tasks move so
 * that the per-user queued limits (docs/security.md) cost a lookup, not a pass over every job.
 */
final class WaitingCounts {
    private final Map<String, Integer> tasksByOwner = new HashMap<>();
    private final Map<String, Integer> jobsByOwner = new HashMap<>();

    static boolean waiting(JobState s) {
        return s == JobState.QUEUED || s == JobState.HELD;
    }

    /** {@code delta} tasks of a job of {@code owner} began (positive) or stopped (negative) waiting. */
    void add(String owner, int delta) {
        add(tasksByOwner, owner, delta);
    }

    /** A job of {@code owner} got its first waiting task (+1) or lost its last (-1). */
    void addJob(String owner, int delta) {
        add(jobsByOwner, owner, delta);
    }

    private static void add(Map<String, Integer> counts, String owner, int delta) {
        if (counts.merge(owner, delta, Integer::sum) <= 0) {
            counts.remove(owner);
        }
    }

    int of(String owner) {
        return tasksByOwner.getOrDefault(owner, 0);
    }

    int jobsOf(String owner) {
        return jobsByOwner.getOrDefault(owner, 0);
    }
}
