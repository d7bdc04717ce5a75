package dev.hpc.head.sched;

import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeSlot;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A running task as the scheduler sees it: whose it is, where it runs, what it holds on each node,
 * and when it started with its walltime ({@link Duration#ZERO}: none), from which the scheduler
 * expects when its nodes free up. {@code sharing} says whether it holds its nodes for itself
 * ({@link NodeAccess.Sharing#EXCLUSIVE}) or for its owner's jobs ({@link NodeAccess.Sharing#USER}).
 * {@code priority} is its job's own priority ({@code qsub -p}), by which preemption chooses among victims.
 */
public record RunningTask(TaskKey key, String owner, String queue, List<NodeSlot> slots,
                          Map<String, Long> genericPerNode, Instant start, Duration walltime,
                          NodeAccess.Sharing sharing, int priority) {
    public RunningTask {
        slots = List.copyOf(slots);
        genericPerNode = genericPerNode.isEmpty() ? Map.of()
                : Collections.unmodifiableMap(new TreeMap<>(genericPerNode));
    }

    /** A task of priority 0. */
    public RunningTask(TaskKey key, String owner, String queue, List<NodeSlot> slots,
                       Map<String, Long> genericPerNode, Instant start, Duration walltime,
                       NodeAccess.Sharing sharing) {
        this(key, owner, queue, slots, genericPerNode, start, walltime, sharing, 0);
    }

    /** A task that shares its nodes. */
    public RunningTask(TaskKey key, String owner, String queue, List<NodeSlot> slots,
                       Map<String, Long> genericPerNode, Instant start, Duration walltime) {
        this(key, owner, queue, slots, genericPerNode, start, walltime, NodeAccess.Sharing.SHARED);
    }
}
