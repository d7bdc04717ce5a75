package dev.hpc.head.sched;

import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Resources;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which running tasks to stop so that waiting tasks of a preempting queue can start (OpenPBS's preempt_targets,
 * Slurm's partition preemption). Decided after a {@link Scheduler#plan}, from the same snapshot and that plan:
 *
 * <ul>
 *   <li>only a task the plan left waiting, ready to run, in a started queue that names preempt targets, and only
 *       when it cannot start on what is free once the plan's own starts are counted;</li>
 *   <li>victims are running tasks of the queues it names whose priority is lower than its queue's: never a task
 *       of an equal or higher queue, and never one already being preempted;</li>
 *   <li>victims are taken lowest priority first (queue priority, then job priority), most recently started first,
 *       until the task would fit; then every victim it could do without is dropped again, so no more are stopped
 *       than needed. A task for which even every allowed victim would not make room stops none;</li>
 *   <li>a task whose earlier victims are still ending waits for them and preempts nothing more.</li>
 * </ul>
 *
 * <p>Pure and deterministic, as the scheduler is: the same snapshot and plan give the same preemptions. It
 * looks only at the tasks the plan examined, so it costs what the plan cost, not the length of the queue.
 */
public final class Preemptions {

    /** One decision: {@code victim} is stopped so that {@code preemptor} can start. */
    public record Preemption(TaskKey victim, TaskKey preemptor, String victimQueue, String preemptorQueue) {
    }

    private Preemptions() {
    }

    public static List<Preemption> plan(ClusterSnapshot snapshot, Plan plan) {
        Map<String, QueueDef> queues = snapshot.queues();
        if (queues.values().stream().allMatch(q -> q.preemptTargets().isEmpty()) || plan.waiting().isEmpty()) {
            return List.of();
        }
        Map<TaskKey, TaskKey> inFlight = snapshot.preempting();
        Set<TaskKey> waitingForVictims = new HashSet<>(inFlight.values());
        List<PendingTask> candidates = new ArrayList<>();
        Map<TaskKey, Resources> requests = new HashMap<>();
        Set<TaskKey> placed = new HashSet<>();
        plan.placements().forEach(p -> placed.add(p.task()));
        Set<Long> never = new HashSet<>(plan.unsatisfiable());
        // The plan examined each group's tasks in its order: walking each group only as far as the plan looked
        // keeps this step as cheap as the plan, however long the queue.
        for (QueueGroup g : snapshot.groups()) {
            QueueDef q = queues.get(g.queue());
            boolean preempting = q != null && q.started() && !q.preemptTargets().isEmpty();
            for (PendingTask t : g.tasks()) {
                boolean waits = plan.waiting().containsKey(t.key());
                if (placed.contains(t.key())) {
                    requests.put(t.key(), t.resources());
                } else if (!waits && !never.contains(t.key().jobNumber())) {
                    break;
                }
                if (preempting && waits && t.readiness() == PendingTask.Readiness.READY
                        && !waitingForVictims.contains(t.key()) && waitsForRoom(plan.waiting().get(t.key()))) {
                    candidates.add(t);
                }
            }
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        candidates.sort(Comparator.comparingInt((PendingTask t) -> -queues.get(t.queue()).priority())
                .thenComparingInt(t -> -t.priority()).thenComparing(PendingTask::key));

        Room room = new Room(snapshot.nodes());
        for (Placement p : plan.placements()) {
            Resources r = requests.get(p.task());
            room.take(p.slots(), r == null ? Map.of() : r.generic());
        }
        List<RunningTask> pool = new ArrayList<>();
        for (RunningTask r : snapshot.running()) {
            if (!inFlight.containsKey(r.key()) && queues.containsKey(r.queue())) {
                pool.add(r);
            }
        }
        // lowest priority first, then the most recently started, then the highest number: a fixed order
        pool.sort(Comparator.comparingInt((RunningTask r) -> queues.get(r.queue()).priority())
                .thenComparingInt(RunningTask::priority)
                .thenComparing(RunningTask::start, Comparator.reverseOrder())
                .thenComparing(RunningTask::key, Comparator.reverseOrder()));

        List<Preemption> out = new ArrayList<>();
        Set<TaskKey> taken = new HashSet<>();
        for (PendingTask task : candidates) {
            QueueDef q = queues.get(task.queue());
            if (room.fit(task, q) != null) {
                continue; // room enough already: it waits for something preemption does not change
            }
            List<RunningTask> allowed = new ArrayList<>();
            for (RunningTask r : pool) {
                if (!taken.contains(r.key()) && q.mayPreempt(queues.get(r.queue()))) {
                    allowed.add(r);
                }
            }
            List<RunningTask> chosen = new ArrayList<>();
            Room trial = room.copy();
            for (RunningTask r : allowed) {
                chosen.add(r);
                trial.give(r);
                if (trial.fit(task, q) != null) {
                    break;
                }
            }
            if (chosen.isEmpty() || trial.fit(task, q) == null) {
                continue;
            }
            // the last one chosen was needed; each earlier one is kept only if the task does not fit without it
            for (int k = chosen.size() - 2; k >= 0; k--) {
                Room without = room.copy();
                for (int j = 0; j < chosen.size(); j++) {
                    if (j != k) {
                        without.give(chosen.get(j));
                    }
                }
                if (without.fit(task, q) != null) {
                    chosen.remove(k);
                }
            }
            Room after = room.copy();
            chosen.forEach(after::give);
            after.take(after.fit(task, q), task.resources().generic());
            room = after;
            for (RunningTask r : chosen) {
                taken.add(r.key());
                out.add(new Preemption(r.key(), task.key(), r.queue(), task.queue()));
            }
        }
        return out;
    }

    /** Reasons for which stopping other work may help; a dependency, a start time, a limit or a stop do not. */
    private static boolean waitsForRoom(String reason) {
        return reason.startsWith("waiting for resources") || reason.startsWith("waiting for priority");
    }

    /** What is free on each schedulable node, by name. */
    private static final class Room {
        private final Map<String, NodeCapacity> nodes;
        private final Map<String, int[]> cores;
        private final Map<String, long[]> memory;
        private final Map<String, Map<String, Long>> generic;

        Room(List<NodeCapacity> list) {
            nodes = new TreeMap<>();
            cores = new TreeMap<>();
            memory = new TreeMap<>();
            generic = new TreeMap<>();
            for (NodeCapacity n : list) {
                if (n.schedulable()) {
                    nodes.put(n.name(), n);
                    cores.put(n.name(), new int[] {n.freeCores()});
                    memory.put(n.name(), new long[] {n.freeMemory()});
                    generic.put(n.name(), new TreeMap<>(n.freeGeneric()));
                }
            }
        }

        private Room(Room o) {
            nodes = o.nodes;
            cores = new TreeMap<>();
            memory = new TreeMap<>();
            generic = new TreeMap<>();
            o.cores.forEach((k, v) -> cores.put(k, v.clone()));
            o.memory.forEach((k, v) -> memory.put(k, v.clone()));
            o.generic.forEach((k, v) -> generic.put(k, new TreeMap<>(v)));
        }

        Room copy() {
            return new Room(this);
        }

        void give(RunningTask r) {
            for (NodeSlot s : r.slots()) {
                if (nodes.containsKey(s.node())) {
                    cores.get(s.node())[0] += s.cores();
                    memory.get(s.node())[0] += s.memory();
                    r.genericPerNode().forEach((k, v) -> generic.get(s.node()).merge(k, v, Long::sum));
                }
            }
        }

        void take(List<NodeSlot> slots, Map<String, Long> g) {
            for (NodeSlot s : slots) {
                if (nodes.containsKey(s.node())) {
                    cores.get(s.node())[0] -= s.cores();
                    memory.get(s.node())[0] -= s.memory();
                    g.forEach((k, v) -> generic.get(s.node()).merge(k, -v, Long::sum));
                }
            }
        }

        /** The slots the task would take now (the nodes it names, then others in name order), or null. */
        List<NodeSlot> fit(PendingTask task, QueueDef queue) {
            Resources r = task.resources();
            NodeAccess access = r.access();
            List<NodeSlot> slots = new ArrayList<>();
            for (String name : access.required()) {
                if (!fits(name, r, queue, task)) {
                    return null;
                }
                slots.add(new NodeSlot(name, r.coresPerNode(), r.memoryPerNode()));
            }
            for (String name : nodes.keySet()) {
                if (slots.size() >= r.nodes()) {
                    break;
                }
                if (!access.required().contains(name) && fits(name, r, queue, task)) {
                    slots.add(new NodeSlot(name, r.coresPerNode(), r.memoryPerNode()));
                }
            }
            return slots.size() >= r.nodes() ? slots : null;
        }

        private boolean fits(String name, Resources r, QueueDef queue, PendingTask task) {
            NodeCapacity n = nodes.get(name);
            if (n == null || !queue.allowsNode(name) || !r.access().allows(name)
                    || (!r.constraint().isEmpty() && !r.constraint().admits(n.traits()))
                    || task.avoidNodes().contains(name)) {
                return false;
            }
            int free = cores.get(name)[0];
            long mem = memory.get(name)[0];
            if (r.access().sharing() == NodeAccess.Sharing.EXCLUSIVE) {
                return free >= n.cores() && NodePool.covers(generic.get(name), n.generic());
            }
            return free >= r.coresPerNode() && (n.memory() == 0 || mem >= r.memoryPerNode())
                    && NodePool.covers(generic.get(name), r.generic());
        }
    }
}
