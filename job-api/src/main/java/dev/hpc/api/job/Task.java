package dev.hpc.api.job;

import java.time.Instant;
import java.util.List;

/**
 * One unit the scheduler places: a plain job has one task (index -1), an array job one per index.
 * A multi-node job is one task holding several nodes. {@code attempts} is the history of starts,
 * newest last; {@code exitStatus} is meaningful once the task is terminal. {@code comment} says why a
 * queued task waits. {@code end} is {@link Instant#EPOCH} until the task is terminal.
 */
public record Task(int index, JobState state, List<Attempt> attempts, int exitStatus, EndReason reason,
                   String comment, Instant end, String holds, Instant estimatedStart) {
    public static final int NO_INDEX = -1;

    public Task {
        attempts = List.copyOf(attempts);
    }

    /**
     * A task with the holds its state implies (a held task is held by its user) and no estimated start.
     * {@code holds} are PBS's hold types: {@code u} user, {@code o} operator, {@code s} system (the
     * task waits for a dependency); {@code estimatedStart} is when the scheduler expects it to start,
     * {@link Instant#EPOCH} when it has no estimate (docs/scheduling.md).
     */
    public Task(int index, JobState state, List<Attempt> attempts, int exitStatus, EndReason reason, String comment,
                Instant end) {
        this(index, state, attempts, exitStatus, reason, comment, end, state == JobState.HELD ? "u" : "",
                Instant.EPOCH);
    }

    public static Task fresh(int index, boolean held) {
        return new Task(index, held ? JobState.HELD : JobState.QUEUED, List.of(), 0, EndReason.NONE, "", Instant.EPOCH);
    }

    public long currentAttemptId() {
        return attempts.isEmpty() ? 0 : attempts.get(attempts.size() - 1).id();
    }

    public List<NodeSlot> currentNodes() {
        return attempts.isEmpty() || state != JobState.RUNNING ? List.of() : attempts.get(attempts.size() - 1).nodes();
    }

    public Instant firstStart() {
        return attempts.isEmpty() ? Instant.EPOCH : attempts.get(0).start();
    }

    public Instant lastStart() {
        return attempts.isEmpty() ? Instant.EPOCH : attempts.get(attempts.size() - 1).start();
    }
}
