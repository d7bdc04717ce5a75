package dev.hpc.head.sched;

import dev.hpc.api.job.Resources;
import java.util.Arrays;
import java.util.Map;

/**
 * The words of a plan for a task that waits on room: a higher-priority task's backfill reservation, an
 * advance reservation ahead, or the resources themselves (with what in the cluster rules them out). The
 * reasons that do not depend on the nodes are {@link QueueRules#blocker}'s.
 */
final class Reasons {
    private Reasons() {
    }

    static String priorityReason(TaskKey ahead) {
        return "waiting for priority: job " + Scheduler.taskName(ahead) + " has a higher priority and the room this "
                + "job would use is reserved for it; starting now would delay it";
    }

    static String advanceReason(Reservation a) {
        return "waiting for resources: the room it needs is reserved for reservation " + a.queue() + " from "
                + a.start() + " to " + a.end() + "; a walltime that ends before " + a.start()
                + " lets it start now";
    }

    /** Why a job of advance reservation {@code in} does not fit in what the reservation's other jobs leave. */
    static String reservedRoomReason(Resources r, Reservation in) {
        return "waiting for resources: needs " + r.nodes() + " node(s) with "
                + r.coresPerNode() + " cores" + (r.access().isDefault() ? "" : " and " + r.access().describe())
                + " among the " + in.nodes().size() + " node(s) of reservation "
                + in.queue() + " (" + in.coresPerNode() + " cores each, until " + in.end()
                + "); its other jobs hold the rest";
    }

    static String resourceReason(Resources r, QueueDef queue, NodePool pool) {
        StringBuilder s = new StringBuilder("waiting for resources: needs ");
        s.append(r.nodes()).append(r.nodes() == 1 ? " node" : " nodes").append(" with ").append(r.coresPerNode())
                .append(r.coresPerNode() == 1 ? " free core" : " free cores");
        if (r.memoryPerNode() > 0) {
            s.append(" and ").append(r.memoryPerNode() / (1024 * 1024)).append(" MiB free memory");
        }
        r.generic().forEach((k, v) -> s.append(" and ").append(k).append('=').append(v));
        if (!r.constraint().isEmpty()) {
            s.append(" and ").append(r.constraint().describe());
        }
        if (!r.access().isDefault()) {
            s.append(" on ").append(r.access().describe());
        }
        if (!queue.nodes().isEmpty()) {
            s.append(" among the ").append(queue.nodes().size()).append(" nodes of queue ").append(queue.name());
        }
        for (String name : r.access().required()) {
            int i = pool.index(name);
            if (i < 0) {
                s.append("; node ").append(name).append(" is not in the cluster now");
                return s.toString();
            }
            if (!queue.allowsNode(name)) {
                s.append("; node ").append(name).append(" is not a node of queue ").append(queue.name())
                        .append(": move the job to a queue that has it (qalter -q)");
                return s.toString();
            }
            if (!pool.schedulable[i]) {
                s.append("; node ").append(name).append(" takes no work now (down, offline or draining)");
                return s.toString();
            }
        }
        if (pool.largestCores > 0 && r.coresPerNode() > pool.largestCores) {
            s.append("; no node has that many cores");
        } else if (!r.generic().isEmpty() && noNodeHas(pool, r.generic())) {
            s.append("; no node has these generic resources");
        } else if (!r.constraint().isEmpty()) {
            String unmet = r.constraint().unmetBy(Arrays.asList(pool.traits));
            if (!unmet.isEmpty()) {
                s.append("; ").append(unmet);
            }
        }
        return s.toString();
    }

    private static boolean noNodeHas(NodePool pool, Map<String, Long> g) {
        for (int i = 0; i < pool.size; i++) {
            if (NodePool.covers(pool.totalGeneric[i], g)) {
                return false;
            }
        }
        return true;
    }
}
