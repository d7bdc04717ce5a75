package dev.hpc.head.sched;

import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeConstraint;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Resources;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;

/**
 * Multifactor priority with backfill.
 *
 * <p><b>Order.</b> Queued tasks are taken by priority ({@link Priorities}: the job's {@code -p}, its
 * queue's priority, its age and its owner's fair-share factor), then by job number and index. The
 * state keeps the queue in groups of one queue, owner and job priority, each in number order; within
 * a group only the age differs, so the order is a merge of the groups, computed lazily: a cycle costs
 * what it looks at, not the length of the queue.
 *
 * <p><b>Where.</b> Each task starts on the nodes with the most free cores that can hold it (spreading
 * work), ties broken by node name, found through an index of nodes by free cores. A request is per
 * node: cores, memory and generic resources ({@code gpu=2}), on nodes of the kind its
 * {@link dev.hpc.api.job.NodeConstraint} admits (properties, host resources); a multi-node task gets
 * distinct nodes.
 * Nodes must belong to the task's queue; a requeued task keeps off the nodes that failed it while
 * other nodes could ever hold it.
 *
 * <p><b>By name and alone.</b> A task's {@link NodeAccess} names nodes it must have (all of them, the
 * rest chosen as above) and nodes it must not. An exclusive task starts only on nodes that run
 * nothing, and takes the whole of each node until it ends: nothing else starts there, and its
 * backfill reservation holds whole nodes. A task exclusive for its user starts only on nodes that
 * run nothing of other users, and while it runs only its owner's tasks start there.
 *
 * <p><b>Backfill.</b> A task that cannot start gets, while fewer than {@link Policy#reservationDepth}
 * tasks have one, a reservation: the earliest time enough nodes free up, from the expected ends of
 * the running tasks (start plus walltime; a task without walltime is expected to run its queue's
 * maximum walltime, or for an unknown time, which keeps its nodes out of every reservation). That
 * time is the task's estimated start. A lower-priority task may then start on a reserved node only
 * if it is expected to end before the reservation begins, or if it fits in what the reservation
 * leaves over. A node reserved for one task is used in a later reservation only from the end of the
 * earlier one: estimates for later tasks err late, never early.
 *
 * <p><b>Advance reservations.</b> In its window a {@link Reservation}'s cores on its nodes are held for
 * the jobs of its queue, which start only then and only there, within those cores. Before the window,
 * other work may take the reserved cores only if it is expected to end by the window's start (work
 * without a walltime is not); backfill thus never delays a reservation.
 *
 * <p><b>Reasons.</b> Every task examined that does not start gets the reason: its dependency, its
 * start time, the array throttle, its queue stopped or not configured, its owner's running limit in
 * the queue, the resources it waits for (and its estimated start), or the higher-priority task whose
 * reservation it would delay. The walk stops once nothing more can start and the reservations are
 * made, or after {@link Policy#maxTasksExamined} tasks.
 *
 * <p>Pure and deterministic: the same snapshot, policy and time give the same plan.
 */
public final class Scheduler {
    /** How the reason of a task waiting for a dependency begins. */
    public static final String DEPENDENCY_REASON = "waiting for dependency: ";

    private Scheduler() {
    }

    public static Plan plan(ClusterSnapshot snapshot, Policy policy, Instant now) {
        return new Cycle(snapshot, policy, now).run();
    }

    /** The name a reason uses for a task: {@code 12} or {@code 12[3]}. */
    static String taskName(TaskKey k) {
        return k.index() < 0 ? String.valueOf(k.jobNumber()) : k.jobNumber() + "[" + k.index() + "]";
    }

    /**
     * One planning pass: the queue taken in priority order, each task started ({@link Placer}) or told why it
     * waits, the first ones that cannot start given a backfill reservation ({@link Backfill}); what the running
     * work and the reservations hold is in {@link NodeHolds}, what the queues allow in {@link QueueRules}.
     */
    private static final class Cycle {
        private final ClusterSnapshot snapshot;
        private final Policy policy;
        private final Instant now;
        private final long nowMillis;
        private final Map<String, Double> fairShare;
        private final NodePool pool;
        private final NodeHolds holds;
        private final QueueRules rules;
        private final Placer placer;
        private final Backfill backfill;
        private final Map<Shape, String> failed = new HashMap<>();
        private final List<Placement> placements = new ArrayList<>();
        private final Map<TaskKey, String> waiting = new LinkedHashMap<>();
        private final TreeSet<Long> unsatisfiable = new TreeSet<>();
        private final Map<TaskKey, Instant> estimates = new LinkedHashMap<>();
        private int reservations;

        Cycle(ClusterSnapshot snapshot, Policy policy, Instant now) {
            this.snapshot = snapshot;
            this.policy = policy;
            this.now = now;
            this.nowMillis = now.toEpochMilli();
            this.fairShare = Priorities.fairShare(snapshot.usage());
            this.pool = new NodePool(snapshot.nodes());
            this.holds = new NodeHolds(pool, now);
            this.rules = new QueueRules(snapshot.queues(), now, pool, holds.advance);
            this.placer = new Placer(pool, holds, rules);
            this.backfill = new Backfill(pool, holds, rules, nowMillis);
        }

        Plan run() {
            boolean inWindow = holds.load(snapshot, rules);
            PriorityQueue<Cursor> heap = new PriorityQueue<>(Cursor.ORDER);
            for (QueueGroup g : snapshot.groups()) {
                Cursor c = new Cursor(g.tasks().iterator(), rules.queues.get(g.queue()),
                        fairShare.getOrDefault(g.owner(), 1.0));
                if (c.advance(policy, now)) {
                    heap.add(c);
                }
            }
            int examined = 0;
            while (!heap.isEmpty()) {
                if (placements.size() >= policy.maxStartsPerCycle() || examined >= policy.maxTasksExamined()
                        || (pool.totalFree == 0 && reservations >= policy.reservationDepth() && !inWindow)) {
                    break;
                }
                Cursor c = heap.poll();
                PendingTask task = c.current;
                if (c.advance(policy, now)) {
                    heap.add(c);
                }
                examined++;
                consider(task);
            }
            return new Plan(placements, waiting, new ArrayList<>(unsatisfiable), estimates);
        }

        private void consider(PendingTask task) {
            if (task.readiness() == PendingTask.Readiness.NEVER) {
                unsatisfiable.add(task.key().jobNumber());
                return;
            }
            Reservation in = holds.advance.get(task.queue());
            if (in != null) {
                considerReserved(task, in);
                return;
            }
            QueueDef queue = rules.queueOf(task.queue());
            String reason = rules.blocker(task, queue);
            if (!reason.isEmpty()) {
                waiting.put(task.key(), reason);
                return;
            }
            Resources r = task.resources();
            long duration = QueueRules.expectedDuration(r.walltime(), queue);
            long end = duration == NodePool.NEVER ? NodePool.NEVER : nowMillis + duration;
            Set<String> avoid = placer.avoidable(task, queue);
            // A request that found too little room, reservations aside, fails again whatever its walltime;
            // one refused only for a reservation may fit with a shorter walltime.
            // where other users hold nodes for themselves, who asks matters too
            String asker = holds.anyUserHold || r.access().sharing() == NodeAccess.Sharing.USER ? task.owner() : "";
            Shape shape = avoid.isEmpty() ? new Shape(queue.name(), r.nodes(), r.coresPerNode(), r.memoryPerNode(),
                    r.generic(), r.constraint(), r.access(), asker, -1) : null;
            Shape timed = shape == null ? null : new Shape(shape.queue(), shape.nodes(), shape.cores(),
                    shape.memory(), shape.generic(), shape.constraint(), shape.access(), asker,
                    end == NodePool.NEVER ? -2 : duration);
            String failure = shape == null ? null : failed.getOrDefault(shape, failed.get(timed));
            if (failure == null) {
                List<NodeSlot> slots = pool.totalFree == 0 ? List.of() : placer.place(task, queue, avoid, end);
                if (!slots.isEmpty()) {
                    placements.add(new Placement(task.key(), slots));
                    rules.started(task, queue);
                    return;
                }
                TaskKey blockedBy = placer.blockedBy;
                Reservation blockedByAdvance = placer.blockedByAdvance;
                failure = blockedBy != null ? Reasons.priorityReason(blockedBy)
                        : blockedByAdvance != null ? Reasons.advanceReason(blockedByAdvance)
                        : Reasons.resourceReason(r, queue, pool) + (avoid.isEmpty() ? ""
                        : "; keeping off " + String.join(", ", avoid) + ", where an earlier attempt failed");
                if (shape != null) {
                    failed.put(blockedBy == null && blockedByAdvance == null ? shape : timed, failure);
                }
            }
            if (reservations < policy.reservationDepth()) {
                reservations++; // tried, whether or not an estimate comes of it: the work is bounded
                long at = backfill.reserve(task, queue, avoid, duration);
                if (at == NodePool.NEVER) {
                    failure += "; no estimated start: the nodes it needs run work without a walltime";
                } else {
                    Instant start = Instant.ofEpochMilli(at).truncatedTo(ChronoUnit.SECONDS);
                    estimates.put(task.key(), start);
                    failure += "; estimated start " + start;
                }
            }
            waiting.put(task.key(), failure);
        }

        /**
         * A job of an advance reservation: it starts only in the window, on the reservation's nodes, within
         * the cores the reservation's other jobs leave.
         */
        private void considerReserved(PendingTask task, Reservation in) {
            QueueDef queue = QueueDef.open(in.queue()).withNodes(in.nodes());
            String reason = rules.blocker(task, queue);
            if (reason.isEmpty() && now.isBefore(in.start())) {
                reason = "waiting for reservation " + in.queue() + ": its window begins at " + in.start();
            }
            if (!reason.isEmpty()) {
                waiting.put(task.key(), reason);
                return;
            }
            Resources r = task.resources();
            Map<Integer, Integer> left = holds.reservedLeft.get(in.queue());
            List<Integer> fit = new ArrayList<>();
            for (Map.Entry<Integer, Integer> e : left.entrySet()) {
                int i = e.getKey();
                if (pool.schedulable[i] && e.getValue() >= r.coresPerNode() && pool.admits(i, r.constraint())
                        && pool.freeMemory[i] >= r.memoryPerNode() && NodePool.covers(pool.freeGeneric[i],
                        r.generic()) && !task.avoidNodes().contains(pool.names[i])
                        && placer.sharingAllows(i, task) && (!r.access().exclusive()
                        || e.getValue() == in.coresPerNode())) {
                    fit.add(i);
                }
            }
            fit.sort(Comparator.comparingInt((Integer i) -> -left.get(i)).thenComparing(i -> i));
            // the nodes it names first, then the others it may have
            List<Integer> ordered = new ArrayList<>();
            fit.stream().filter(i -> r.access().required().contains(pool.names[i])).forEach(ordered::add);
            boolean allNamed = ordered.size() == r.access().required().size();
            fit.stream().filter(i -> !r.access().required().contains(pool.names[i])).forEach(ordered::add);
            if (ordered.size() < r.nodes() || !allNamed) {
                waiting.put(task.key(), Reasons.reservedRoomReason(r, in));
                return;
            }
            List<NodeSlot> slots = new ArrayList<>();
            long until = in.end().toEpochMilli();
            for (int k = 0; k < r.nodes(); k++) {
                int i = ordered.get(k);
                left.merge(i, r.access().sharing() == NodeAccess.Sharing.EXCLUSIVE ? -left.get(i)
                        : -r.coresPerNode(), Integer::sum);
                slots.add(new NodeSlot(pool.names[i], r.coresPerNode(), r.memoryPerNode()));
                holds.occupy(i, task.owner(), r.access().sharing(), until);
            }
            placements.add(new Placement(task.key(), slots));
            rules.started(task, queue);
        }
    }

    /** A request as far as placement goes: tasks of one shape that failed once this cycle fail again. */
    private record Shape(String queue, int nodes, int cores, long memory, Map<String, Long> generic,
                         NodeConstraint constraint, NodeAccess access, String asker, long duration) {
    }

    /** The next task of one group and its priority. */
    private static final class Cursor {
        static final Comparator<Cursor> ORDER = Comparator.comparingDouble((Cursor c) -> -c.priority)
                .thenComparing(c -> c.current.key());

        private final Iterator<PendingTask> tasks;
        private final QueueDef queue;
        private final double fairShare;
        PendingTask current;
        double priority;

        Cursor(Iterator<PendingTask> tasks, QueueDef queue, double fairShare) {
            this.tasks = tasks;
            this.queue = queue;
            this.fairShare = fairShare;
        }

        boolean advance(Policy policy, Instant now) {
            if (!tasks.hasNext()) {
                return false;
            }
            current = tasks.next();
            priority = Priorities.of(current, queue, fairShare, policy, now);
            return true;
        }
    }
}
