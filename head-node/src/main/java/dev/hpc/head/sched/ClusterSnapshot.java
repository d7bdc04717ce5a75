package dev.hpc.head.sched;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the scheduler reads: the queued tasks, the nodes in name order, and what the policy needs
 * besides (running tasks, queue definitions, per-user usage). It must not change while a plan is
 * computed.
 */
public interface ClusterSnapshot {
    /** Every queued task (the state gives them in its priority order; the scheduler does not rely on it). */
    Iterable<PendingTask> queue();

    List<NodeCapacity> nodes();

    /**
     * The queued tasks in groups of one queue, owner and job priority, each in job number order. By
     * default built from {@link #queue()}; the state keeps them grouped already.
     */
    default List<QueueGroup> groups() {
        Map<String, List<PendingTask>> byKey = new TreeMap<>();
        Map<String, PendingTask> first = new TreeMap<>();
        for (PendingTask t : queue()) {
            String key = t.queue() + '\0' + t.owner() + '\0' + t.priority();
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
            first.putIfAbsent(key, t);
        }
        List<QueueGroup> out = new ArrayList<>();
        byKey.forEach((key, tasks) -> {
            tasks.sort(Comparator.comparing(PendingTask::key));
            PendingTask f = first.get(key);
            out.add(QueueGroup.of(f.queue(), f.owner(), f.priority(), tasks));
        });
        return out;
    }

    /** The tasks that run now, for backfill (when nodes free up) and per-user limits. */
    default List<RunningTask> running() {
        return List.of();
    }

    /** The configured queues by name; empty means one open queue for every name. */
    default Map<String, QueueDef> queues() {
        return Map.of();
    }

    /** The advance reservations not yet ended, in number order. */
    default List<Reservation> reservations() {
        return List.of();
    }

    /**
     * The running tasks being preempted now (signalled, not yet ended), each with the task it makes room for: they
     * are never chosen again, and their preemptor waits for them rather than preempting more.
     */
    default Map<TaskKey, TaskKey> preempting() {
        return Map.of();
    }

    /** Each user's recent usage in core-seconds, decayed to now; users not listed have none. */
    default Map<String, Double> usage() {
        return Map.of();
    }
}
