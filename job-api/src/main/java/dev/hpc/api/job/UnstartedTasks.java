package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import java.time.Instant;
import java.util.List;

/**
 * The tasks of an array job that never started and are alike: their indices, and the one form they share
 * (queued or held with the same holds and comment, or cancelled before they started). An array is held so,
 * not as one record per task, until a task starts or is acted on alone (issue 15: a million tasks are three
 * numbers and this record). Such tasks have no attempts.
 */
public record UnstartedTasks(IndexSet indices, JobState state, String holds, String comment, int exitStatus,
                             EndReason reason, Instant end, Instant estimatedStart) {
    public static final UnstartedTasks NONE = new UnstartedTasks(IndexSet.EMPTY, JobState.QUEUED, "", "", 0,
            EndReason.NONE, Instant.EPOCH, Instant.EPOCH);

    public UnstartedTasks {
        if (state == JobState.RUNNING) {
            throw new InvalidRequestException("tasks that never started cannot be " + state);
        }
    }

    /** Fresh tasks of a submission: queued, or held by their user. */
    public static UnstartedTasks fresh(IndexSet indices, boolean held) {
        return new UnstartedTasks(indices, held ? JobState.HELD : JobState.QUEUED, held ? "u" : "", "", 0,
                EndReason.NONE, Instant.EPOCH, Instant.EPOCH);
    }

    public boolean isEmpty() {
        return indices.isEmpty();
    }

    public int count() {
        return indices.size();
    }

    /** The task at {@code index}, one of {@link #indices}. */
    public Task task(int index) {
        return new Task(index, state, List.of(), exitStatus, reason, comment, end, holds,
                state == JobState.QUEUED ? estimatedStart : Instant.EPOCH);
    }
}
