package dev.hpc.head.sched;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the queues allow during one plan, whatever the nodes hold: the queue a task is in, whether it may
 * start at all now (its dependency, its start time, its queue configured and started, the array throttle,
 * its owner's running limit in the queue, with the tasks started so far this plan), how long it is expected
 * to run, and a queue's nodes as indices of the {@link NodePool}.
 */
final class QueueRules {
    final Map<String, QueueDef> queues;
    private final Instant now;
    private final long nowMillis;
    private final NodePool pool;
    /** The advance reservations not ended, by queue name (filled by {@link NodeHolds#load}). */
    private final Map<String, Reservation> advance;
    private final Map<String, int[]> queueNodes = new HashMap<>();
    private final Map<String, Integer> runningPerQueueUser = new HashMap<>();
    private final Map<Long, Integer> startedPerJob = new HashMap<>();

    QueueRules(Map<String, QueueDef> queues, Instant now, NodePool pool, Map<String, Reservation> advance) {
        this.queues = new TreeMap<>(queues);
        this.now = now;
        this.nowMillis = now.toEpochMilli();
        this.pool = pool;
        this.advance = advance;
    }

    /** Counts a task of {@code owner} that runs in queue {@code queue}. */
    void running(String queue, String owner) {
        runningPerQueueUser.merge(queue + '\0' + owner, 1, Integer::sum);
    }

    /** Counts a task this plan starts in {@code queue}: for its job's throttle and its owner's limit. */
    void started(PendingTask task, QueueDef queue) {
        startedPerJob.merge(task.key().jobNumber(), 1, Integer::sum);
        runningPerQueueUser.merge(queue.name() + '\0' + task.owner(), 1, Integer::sum);
    }

    QueueDef queueOf(String name) {
        if (queues.isEmpty()) {
            return QueueDef.open(name);
        }
        QueueDef q = queues.get(name);
        return q == null ? new QueueDef(name, 0, Set.of(), Duration.ZERO, Duration.ZERO, 0, 0, false, false) : q;
    }

    /** Why this task may not start whatever the nodes hold, or "" when it may. */
    String blocker(PendingTask task, QueueDef queue) {
        if (task.readiness() == PendingTask.Readiness.WAITING) {
            return Scheduler.DEPENDENCY_REASON + task.waitingFor();
        }
        if (now.isBefore(task.notBefore())) {
            return "waiting for its start time " + task.notBefore();
        }
        if (!queues.isEmpty() && !queues.containsKey(task.queue()) && !advance.containsKey(task.queue())) {
            return "queue limit: queue '" + task.queue() + "' is not configured on the head; move the job "
                    + "with qalter -q or delete it";
        }
        if (!queue.started()) {
            return "queue limit: queue '" + queue.name() + "' is stopped (started=false); its jobs wait "
                    + "until an administrator starts it";
        }
        if (task.throttle() > 0) {
            int running = task.runningInJob() + startedPerJob.getOrDefault(task.key().jobNumber(), 0);
            if (running >= task.throttle()) {
                return "array throttle: " + running + " of at most " + task.throttle() + " tasks running";
            }
        }
        if (queue.maxRunningPerUser() > 0) {
            int running = runningPerQueueUser.getOrDefault(queue.name() + '\0' + task.owner(), 0);
            if (running >= queue.maxRunningPerUser()) {
                return "user limit: " + task.owner() + " runs " + running + " tasks in queue " + queue.name()
                        + ", at most " + queue.maxRunningPerUser() + " (max-running-per-user)";
            }
        }
        return "";
    }

    /** When a task started at {@code start} is expected to end, in epoch milliseconds. */
    long expectedEnd(Instant start, Duration walltime, String queueName) {
        long d = expectedDuration(walltime, queues.isEmpty() ? null : queues.get(queueName));
        if (d == NodePool.NEVER) {
            return NodePool.NEVER;
        }
        return Math.max(nowMillis, start.toEpochMilli() + d);
    }

    static long expectedDuration(Duration walltime, QueueDef queue) {
        if (!walltime.isZero()) {
            return walltime.toMillis();
        }
        if (queue != null && !queue.maxWalltime().isZero()) {
            return queue.maxWalltime().toMillis();
        }
        return NodePool.NEVER;
    }

    /** The nodes of a queue that names its nodes, as indices of the pool in ascending order. */
    int[] allowedNodes(QueueDef queue) {
        return queueNodes.computeIfAbsent(queue.name(), k -> {
            List<Integer> list = new ArrayList<>();
            for (String n : queue.nodes()) {
                int i = pool.index(n);
                if (i >= 0) {
                    list.add(i);
                }
            }
            return list.stream().mapToInt(Integer::intValue).sorted().toArray();
        });
    }
}
