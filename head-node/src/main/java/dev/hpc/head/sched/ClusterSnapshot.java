package dev.hpc.head.sched;

import java.util.List;

/**
 * What the scheduler reads: the queued tasks in priority order (highest first, then oldest) and
 * the nodes in name order. It must not change while a plan is computed.
 */
public interface ClusterSnapshot {
    Iterable<PendingTask> queue();

    List<NodeCapacity> nodes();
}
