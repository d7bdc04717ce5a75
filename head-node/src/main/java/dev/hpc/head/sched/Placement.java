package dev.hpc.head.sched;

import dev.hpc.api.job.NodeSlot;
import java.util.List;

/** One decision of a plan: this task starts on these nodes, the first of them running the script. */
public record Placement(TaskKey task, List<NodeSlot> slots) {
    public Placement {
        slots = List.copyOf(slots);
    }
}
