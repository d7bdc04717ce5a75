package dev.hpc.head.sched;

import java.util.List;
import java.util.Map;

/**
 * The scheduler's decision: placements to start, the reason each examined task that does not start
 * waits, and the jobs whose dependencies can never be met.
 */
public record Plan(List<Placement> placements, Map<TaskKey, String> waiting, List<Long> unsatisfiable) {
    public Plan {
        placements = List.copyOf(placements);
        waiting = Map.copyOf(waiting);
        unsatisfiable = List.copyOf(unsatisfiable);
    }
}
