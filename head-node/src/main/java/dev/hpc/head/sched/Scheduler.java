package dev.hpc.head.sched;

import dev.hpc.api.NodeSlot;
import dev.hpc.api.Resources;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Priority/FIFO first-fit placement: tasks are taken in queue order; each starts on the nodes with
 * the most free cores that can hold it (spreading work), ties broken by node name. A task that does
 * not fit does not block smaller ones behind it. The walk stops once no core is free, so a cycle
 * costs what it starts, not the length of the queue. A requeued task keeps off the nodes that failed
 * it while other schedulable nodes could ever hold it; when none could, it may go back to them.
 */
public final class Scheduler {
    private Scheduler() {
    }

    public static Plan plan(ClusterSnapshot snapshot, Policy policy, Instant now) {
        List<FreeNode> nodes = new ArrayList<>();
        List<NodeCapacity> schedulable = new ArrayList<>();
        int freeCores = 0;
        int largestNode = 0;
        for (NodeCapacity n : snapshot.nodes()) {
            largestNode = Math.max(largestNode, n.cores());
            if (n.schedulable()) {
                schedulable.add(n);
            }
            if (n.schedulable() && n.freeCores() > 0) {
                nodes.add(new FreeNode(n.name(), n.freeCores(), n.freeMemory(), n.memory()));
                freeCores += n.freeCores();
            }
        }
        List<Placement> placements = new ArrayList<>();
        Map<TaskKey, String> waiting = new LinkedHashMap<>();
        List<Long> unsatisfiable = new ArrayList<>();
        Map<Long, Integer> startedPerJob = new HashMap<>();
        for (PendingTask task : snapshot.queue()) {
            if (freeCores == 0 || placements.size() >= policy.maxStartsPerCycle()) {
                break;
            }
            String reason = blocker(task, now, startedPerJob);
            if (task.readiness() == PendingTask.Readiness.NEVER) {
                if (unsatisfiable.isEmpty() || unsatisfiable.get(unsatisfiable.size() - 1) != task.key().jobNumber()) {
                    unsatisfiable.add(task.key().jobNumber());
                }
                continue;
            }
            if (!reason.isEmpty()) {
                waiting.put(task.key(), reason);
                continue;
            }
            Set<String> avoid = avoidable(task, schedulable);
            List<NodeSlot> slots = place(task.resources(), nodes, avoid);
            if (slots.isEmpty()) {
                waiting.put(task.key(), resourceReason(task.resources(), largestNode) + (avoid.isEmpty() ? ""
                        : "; keeping off " + String.join(", ", avoid) + ", where an earlier attempt failed"));
                continue;
            }
            placements.add(new Placement(task.key(), slots));
            startedPerJob.merge(task.key().jobNumber(), 1, Integer::sum);
            freeCores -= task.resources().totalCores();
        }
        return new Plan(placements, waiting, unsatisfiable);
    }

    /** Why this task may not start whatever the nodes hold, or "" when it may. */
    private static String blocker(PendingTask task, Instant now, Map<Long, Integer> startedPerJob) {
        if (task.readiness() == PendingTask.Readiness.WAITING) {
            return "waiting for dependency: " + task.waitingFor();
        }
        if (now.isBefore(task.notBefore())) {
            return "waiting for its start time " + task.notBefore();
        }
        if (task.throttle() > 0) {
            int running = task.runningInJob() + startedPerJob.getOrDefault(task.key().jobNumber(), 0);
            if (running >= task.throttle()) {
                return "array throttle: " + running + " of at most " + task.throttle() + " tasks running";
            }
        }
        return "";
    }

    private static String resourceReason(Resources r, int largestNode) {
        StringBuilder s = new StringBuilder("waiting for resources: needs ");
        s.append(r.nodes()).append(r.nodes() == 1 ? " node" : " nodes").append(" with ").append(r.coresPerNode())
                .append(r.coresPerNode() == 1 ? " free core" : " free cores");
        if (r.memoryPerNode() > 0) {
            s.append(" and ").append(r.memoryPerNode() / (1024 * 1024)).append(" MiB free memory");
        }
        if (largestNode > 0 && r.coresPerNode() > largestNode) {
            s.append("; no node has that many cores");
        }
        return s.toString();
    }

    /**
     * Chooses {@code r.nodes()} distinct nodes with room, most free cores first, and takes the room
     * from them. Returns no slots (and takes nothing) when the request does not fit now.
     */
    private static List<NodeSlot> place(Resources r, List<FreeNode> nodes, Set<String> avoid) {
        List<FreeNode> chosen = new ArrayList<>(r.nodes());
        for (FreeNode n : nodes) {
            if (n.freeCores >= r.coresPerNode() && n.freeMemory >= r.memoryPerNode() && !avoid.contains(n.name)) {
                insertByRoom(chosen, n, r.nodes());
            }
        }
        if (chosen.size() < r.nodes()) {
            return List.of();
        }
        List<NodeSlot> slots = new ArrayList<>(chosen.size());
        for (FreeNode n : chosen) {
            n.freeCores -= r.coresPerNode();
            n.freeMemory -= r.memoryPerNode();
            slots.add(new NodeSlot(n.name, r.coresPerNode(), r.memoryPerNode()));
        }
        nodes.removeIf(n -> n.freeCores == 0);
        return slots;
    }

    /**
     * The nodes this task must keep off: those that failed it, as long as enough other schedulable
     * nodes could hold it when empty; otherwise none, so that it is not stranded.
     */
    private static Set<String> avoidable(PendingTask task, List<NodeCapacity> schedulable) {
        if (task.avoidNodes().isEmpty()) {
            return Set.of();
        }
        Resources r = task.resources();
        int others = 0;
        for (NodeCapacity n : schedulable) {
            if (!task.avoidNodes().contains(n.name()) && n.cores() >= r.coresPerNode()
                    && (n.memory() == 0 || n.memory() >= r.memoryPerNode())) {
                others++;
            }
        }
        return others >= r.nodes() ? task.avoidNodes() : Set.of();
    }

    /** Keeps the best {@code limit} nodes: most free cores, then name order (the input is in name order). */
    private static void insertByRoom(List<FreeNode> chosen, FreeNode n, int limit) {
        int at = chosen.size();
        while (at > 0 && chosen.get(at - 1).freeCores < n.freeCores) {
            at--;
        }
        if (at < limit) {
            chosen.add(at, n);
            if (chosen.size() > limit) {
                chosen.remove(chosen.size() - 1);
            }
        }
    }

    private static final class FreeNode {
        final String name;
        int freeCores;
        long freeMemory;

        FreeNode(String name, int freeCores, long freeMemory, long memory) {
            this.name = name;
            this.freeCores = freeCores;
            // A node that reports no memory figure is not limited by memory.
            this.freeMemory = memory == 0 ? Long.MAX_VALUE : freeMemory;
        }
    }
}
