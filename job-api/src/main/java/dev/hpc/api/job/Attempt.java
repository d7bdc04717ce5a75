package dev.hpc.api.job;

import java.time.Instant;
import java.util.List;

/**
 * One start of a task. Only the task's current attempt may finish it: a result that names another
 * attempt id is stale and ignored (DESIGN.md invariant 4). {@code end} is {@link Instant#EPOCH}
 * while the attempt runs.
 */
public record Attempt(long id, List<NodeSlot> nodes, Instant start, Instant end, JobState outcome,
                      EndReason reason, int exitStatus) {
    public Attempt {
        nodes = List.copyOf(nodes);
    }

    public boolean isOpen() {
        return end.equals(Instant.EPOCH);
    }
}
