package dev.hpc.api;

import java.time.Instant;
import java.util.List;

/**
 * A job as the head knows it. {@code state} of an array job summarises its tasks: running while any
 * runs, terminal when all are. {@code cancelledBy} names who cancelled it, empty otherwise.
 */
public record Job(JobId id, JobSpec spec, JobState state, Instant submitted, List<Task> tasks,
                  String cancelledBy, long version) {
    public Job {
        tasks = List.copyOf(tasks);
    }

    public Instant started() {
        return tasks.stream().map(Task::firstStart).filter(i -> !i.equals(Instant.EPOCH)).min(Instant::compareTo)
                .orElse(Instant.EPOCH);
    }

    public Instant ended() {
        if (!state.isTerminal()) {
            return Instant.EPOCH;
        }
        return tasks.stream().map(Task::end).max(Instant::compareTo).orElse(Instant.EPOCH);
    }

    /** The exit status PBS reports for the job: the first non-zero of its tasks, else 0. */
    public int exitStatus() {
        return tasks.stream().mapToInt(Task::exitStatus).filter(s -> s != 0).findFirst().orElse(0);
    }

    public EndReason reason() {
        return tasks.stream().map(Task::reason).filter(r -> r != EndReason.NONE && r != EndReason.EXITED).findFirst()
                .orElse(tasks.stream().map(Task::reason).filter(r -> r != EndReason.NONE).findFirst()
                        .orElse(EndReason.NONE));
    }
}
