package dev.hpc.head.sched;

import dev.hpc.api.NodeSlot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A running task as the scheduler sees it: whose it is, where it runs, what it holds on each node,
 * and when it started with its walltime ({@link Duration#ZERO}: none), from which the scheduler
 * expects when its nodes free up.
 */
public record RunningTask(TaskKey key, String owner, String queue, List<NodeSlot> slots,
                          Map<String, Long> genericPerNode, Instant start, Duration walltime) {
    public RunningTask {
        slots = List.copyOf(slots);
        genericPerNode = genericPerNode.isEmpty() ? Map.of()
                : java.util.Collections.unmodifiableMap(new TreeMap<>(genericPerNode));
    }
}
