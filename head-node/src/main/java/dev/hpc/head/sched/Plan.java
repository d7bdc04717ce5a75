package dev.hpc.head.sched;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's decision: placements to start, the reason each examined task that does not start
 * waits, the jobs whose dependencies can never be met, and the estimated start of the tasks that
 * got a backfill reservation.
 */
public record Plan(List<Placement> placements, Map<TaskKey, String> waiting, List<Long> unsatisfiable,
                   Map<TaskKey, Instant> estimates) {
    public Plan {
        placements = List.copyOf(placements);
        waiting = Map.copyOf(waiting);
        unsatisfiable = List.copyOf(unsatisfiable);
        estimates = Map.copyOf(estimates);
    }

    public Plan(List<Placement> placements, Map<TaskKey, String> waiting, List<Long> unsatisfiable) {
        this(placements, waiting, unsatisfiable, Map.of());
    }
}
