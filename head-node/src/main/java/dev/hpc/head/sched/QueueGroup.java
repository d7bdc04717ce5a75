package dev.hpc.head.sched;

import java.util.List;

/**
 * Queued tasks that share a queue, an owner and a job priority, in job number order (then index).
 * Within a group the order by priority is the order by age, so the scheduler merges the groups
 * instead of sorting the whole queue each cycle.
 */
public record QueueGroup(String queue, String owner, int priority, Iterable<PendingTask> tasks) {
    public static QueueGroup of(String queue, String owner, int priority, List<PendingTask> tasks) {
        return new QueueGroup(queue, owner, priority, List.copyOf(tasks));
    }
}
