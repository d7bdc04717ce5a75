package dev.hpc.head.sched;

import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeConstraint;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Resources;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
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
    private static final int INDEX_BITS = 22;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;
    /** Estimates reach at most this far ahead (about 69 years): beyond it, "no estimate". */
    private static final long MAX_HORIZON = 1L << (63 - INDEX_BITS);

    /** An owner no user name equals: several users' tasks share the node. */
    private static final String MIXED = "\0mixed";

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

    /** One planning pass. */
    private static final class Cycle {
        private final ClusterSnapshot snapshot;
        private final Policy policy;
        private final Instant now;
        private final long nowMillis;
        private final Map<String, QueueDef> queues;
        private final Map<String, Double> fairShare;
        private final NodePool pool;
        private final Map<String, int[]> queueNodes = new HashMap<>();
        private final Map<String, Integer> runningPerQueueUser = new HashMap<>();
        private final Map<Long, Integer> startedPerJob = new HashMap<>();
        private final Map<Shape, String> failed = new HashMap<>();
        private final List<Placement> placements = new ArrayList<>();
        private final Map<TaskKey, String> waiting = new LinkedHashMap<>();
        private final TreeSet<Long> unsatisfiable = new TreeSet<>();
        private final Map<TaskKey, Instant> estimates = new LinkedHashMap<>();
        private int reservations;
        /** The advance reservations not ended, by queue name; their cores left per node while active. */
        private final Map<String, Reservation> advance = new TreeMap<>();
        private final Map<String, Map<Integer, Integer>> reservedLeft = new HashMap<>();
        /** The advance reservations on each node that begin after now. */
        private final Map<Integer, List<Reservation>> ahead = new HashMap<>();
        private Reservation blockedByAdvance;
        /** Per node: the one owner of everything running there, {@link #MIXED} for several, null for nothing. */
        private final String[] owners;
        /** Per node: the owner whose tasks alone may start there (an exclusive=user task runs), else null. */
        private final String[] userHold;
        /** Per node: when the last exclusive=user task there is expected to end. */
        private final long[] userHoldEnd;
        private boolean anyUserHold;

        Cycle(ClusterSnapshot snapshot, Policy policy, Instant now) {
            this.snapshot = snapshot;
            this.policy = policy;
            this.now = now;
            this.nowMillis = now.toEpochMilli();
            this.queues = new TreeMap<>(snapshot.queues());
            this.fairShare = Priorities.fairShare(snapshot.usage());
            this.pool = new NodePool(snapshot.nodes());
            this.owners = new String[pool.size];
            this.userHold = new String[pool.size];
            this.userHoldEnd = new long[pool.size];
        }

        /** Notes that a task of {@code owner} runs (or will) on node {@code i} until {@code end}, holding it as it asks. */
        private void occupy(int i, String owner, NodeAccess.Sharing sharing, long end) {
            owners[i] = owners[i] == null || owners[i].equals(owner) ? owner : MIXED;
            switch (sharing) {
                case EXCLUSIVE -> pool.takeRest(i, end);
                case USER -> {
                    userHold[i] = userHold[i] == null || userHold[i].equals(owner) ? owner : MIXED;
                    userHoldEnd[i] = userHoldEnd[i] == 0 ? end : Math.max(userHoldEnd[i], end);
                    anyUserHold = true;
                }
                default -> {
                }
            }
        }

        Plan run() {
            for (Reservation a : snapshot.reservations()) {
                if (a.endedBy(now)) {
                    continue; // the state ends it and its jobs
                }
                advance.put(a.queue(), a);
                Map<Integer, Integer> left = new TreeMap<>();
                for (String n : a.nodes()) {
                    int i = pool.index(n);
                    if (i >= 0) {
                        left.put(i, a.coresPerNode());
                        if (a.start().isAfter(now)) {
                            ahead.computeIfAbsent(i, k -> new ArrayList<>()).add(a);
                        }
                    }
                }
                reservedLeft.put(a.queue(), left);
            }
            for (RunningTask r : snapshot.running()) {
                Reservation in = advance.get(r.queue());
                if (in != null) {
                    // its cores go back to the reservation, not to other work, until the window ends
                    Map<Integer, Integer> left = reservedLeft.get(in.queue());
                    for (NodeSlot s : r.slots()) {
                        int i = pool.index(s.node());
                        if (i >= 0) {
                            // an exclusive job of the reservation leaves nothing of the node to its other jobs
                            left.computeIfPresent(i, (k, v) -> r.sharing() == NodeAccess.Sharing.EXCLUSIVE ? 0
                                    : v - s.cores());
                            pool.holdsUntil(i, new NodePool.Release(in.end().toEpochMilli(), s.cores(), s.memory(),
                                    r.genericPerNode()));
                            occupy(i, r.owner(), r.sharing(), in.end().toEpochMilli());
                        }
                    }
                    runningPerQueueUser.merge(r.queue() + '\0' + r.owner(), 1, Integer::sum);
                    continue;
                }
                long end = expectedEnd(r.start(), r.walltime(), r.queue());
                for (NodeSlot s : r.slots()) {
                    int i = pool.index(s.node());
                    if (i >= 0) {
                        pool.holdsUntil(i, new NodePool.Release(end, s.cores(), s.memory(), r.genericPerNode()));
                        occupy(i, r.owner(), r.sharing(), end);
                    }
                }
                runningPerQueueUser.merge(r.queue() + '\0' + r.owner(), 1, Integer::sum);
            }
            boolean inWindow = false;
            for (Reservation a : advance.values()) {
                if (!a.activeAt(now)) {
                    continue;
                }
                inWindow = true;
                // what its jobs do not use is held from other work until the window ends
                reservedLeft.get(a.queue()).forEach((i, left) -> {
                    int held = Math.min(Math.max(0, left), pool.free[i]);
                    if (held > 0) {
                        pool.take(i, held, 0, Map.of(), a.end().toEpochMilli());
                    }
                });
            }
            PriorityQueue<Cursor> heap = new PriorityQueue<>(Cursor.ORDER);
            for (QueueGroup g : snapshot.groups()) {
                Cursor c = new Cursor(g.tasks().iterator(), queues.get(g.queue()),
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
            Reservation in = advance.get(task.queue());
            if (in != null) {
                considerReserved(task, in);
                return;
            }
            QueueDef queue = queueOf(task.queue());
            String reason = blocker(task, queue);
            if (!reason.isEmpty()) {
                waiting.put(task.key(), reason);
                return;
            }
            Resources r = task.resources();
            long duration = expectedDuration(r.walltime(), queue);
            long end = duration == NodePool.NEVER ? NodePool.NEVER : nowMillis + duration;
            Set<String> avoid = avoidable(task, queue);
            // A request that found too little room, reservations aside, fails again whatever its walltime;
            // one refused only for a reservation may fit with a shorter walltime.
            // where other users hold nodes for themselves, who asks matters too
            String asker = anyUserHold || r.access().sharing() == NodeAccess.Sharing.USER ? task.owner() : "";
            Shape shape = avoid.isEmpty() ? new Shape(queue.name(), r.nodes(), r.coresPerNode(), r.memoryPerNode(),
                    r.generic(), r.constraint(), r.access(), asker, -1) : null;
            Shape timed = shape == null ? null : new Shape(shape.queue(), shape.nodes(), shape.cores(),
                    shape.memory(), shape.generic(), shape.constraint(), shape.access(), asker,
                    end == NodePool.NEVER ? -2 : duration);
            String failure = shape == null ? null : failed.getOrDefault(shape, failed.get(timed));
            if (failure == null) {
                List<NodeSlot> slots = pool.totalFree == 0 ? List.of() : place(task, queue, avoid, end);
                if (!slots.isEmpty()) {
                    placements.add(new Placement(task.key(), slots));
                    startedPerJob.merge(task.key().jobNumber(), 1, Integer::sum);
                    runningPerQueueUser.merge(queue.name() + '\0' + task.owner(), 1, Integer::sum);
                    return;
                }
                failure = blockedBy != null ? priorityReason(blockedBy)
                        : blockedByAdvance != null ? advanceReason(blockedByAdvance)
                        : resourceReason(r, queue) + (avoid.isEmpty() ? ""
                        : "; keeping off " + String.join(", ", avoid) + ", where an earlier attempt failed");
                if (shape != null) {
                    failed.put(blockedBy == null && blockedByAdvance == null ? shape : timed, failure);
                }
            }
            if (reservations < policy.reservationDepth()) {
                reservations++; // tried, whether or not an estimate comes of it: the work is bounded
                long at = reserve(task, queue, avoid, duration);
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
            String reason = blocker(task, queue);
            if (reason.isEmpty() && now.isBefore(in.start())) {
                reason = "waiting for reservation " + in.queue() + ": its window begins at " + in.start();
            }
            if (!reason.isEmpty()) {
                waiting.put(task.key(), reason);
                return;
            }
            Resources r = task.resources();
            Map<Integer, Integer> left = reservedLeft.get(in.queue());
            List<Integer> fit = new ArrayList<>();
            for (Map.Entry<Integer, Integer> e : left.entrySet()) {
                int i = e.getKey();
                if (pool.schedulable[i] && e.getValue() >= r.coresPerNode() && pool.admits(i, r.constraint())
                        && pool.freeMemory[i] >= r.memoryPerNode() && NodePool.covers(pool.freeGeneric[i],
                        r.generic()) && !task.avoidNodes().contains(pool.names[i])
                        && sharingAllows(i, task) && (!r.access().exclusive() || e.getValue() == in.coresPerNode())) {
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
                waiting.put(task.key(), "waiting for resources: needs " + r.nodes() + " node(s) with "
                        + r.coresPerNode() + " cores" + (r.access().isDefault() ? "" : " and " + r.access().describe())
                        + " among the " + in.nodes().size() + " node(s) of reservation "
                        + in.queue() + " (" + in.coresPerNode() + " cores each, until " + in.end()
                        + "); its other jobs hold the rest");
                return;
            }
            List<NodeSlot> slots = new ArrayList<>();
            long until = in.end().toEpochMilli();
            for (int k = 0; k < r.nodes(); k++) {
                int i = ordered.get(k);
                left.merge(i, r.access().sharing() == NodeAccess.Sharing.EXCLUSIVE ? -left.get(i)
                        : -r.coresPerNode(), Integer::sum);
                slots.add(new NodeSlot(pool.names[i], r.coresPerNode(), r.memoryPerNode()));
                occupy(i, task.owner(), r.access().sharing(), until);
            }
            placements.add(new Placement(task.key(), slots));
            startedPerJob.merge(task.key().jobNumber(), 1, Integer::sum);
            runningPerQueueUser.merge(queue.name() + '\0' + task.owner(), 1, Integer::sum);
        }

        /**
         * Whether work ending at {@code end} may take {@code c} cores of node {@code i} now without using the
         * cores of a reservation that begins before it ends.
         */
        private boolean advanceAllows(int i, int c, long end) {
            List<Reservation> list = ahead.get(i);
            if (list == null) {
                return true;
            }
            for (Reservation a : list) {
                long at = a.start().toEpochMilli();
                if (end <= at) {
                    continue;
                }
                int busyThen = pool.cores[i] - pool.free[i] - pool.coresReleasedBy(i, at);
                int reservedThen = 0;
                for (Reservation b : list) {
                    if (b.activeAt(a.start())) {
                        reservedThen += b.coresPerNode();
                    }
                }
                if (busyThen + c + reservedThen > pool.cores[i]) {
                    if (blockedByAdvance == null) {
                        blockedByAdvance = a;
                    }
                    return false;
                }
            }
            return true;
        }

        private QueueDef queueOf(String name) {
            if (queues.isEmpty()) {
                return QueueDef.open(name);
            }
            QueueDef q = queues.get(name);
            return q == null ? new QueueDef(name, 0, Set.of(), Duration.ZERO, Duration.ZERO, 0, 0, false, false) : q;
        }

        /** Why this task may not start whatever the nodes hold, or "" when it may. */
        private String blocker(PendingTask task, QueueDef queue) {
            if (task.readiness() == PendingTask.Readiness.WAITING) {
                return DEPENDENCY_REASON + task.waitingFor();
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
        private long expectedEnd(Instant start, Duration walltime, String queueName) {
            long d = expectedDuration(walltime, queues.isEmpty() ? null : queues.get(queueName));
            if (d == NodePool.NEVER) {
                return NodePool.NEVER;
            }
            return Math.max(nowMillis, start.toEpochMilli() + d);
        }

        private static long expectedDuration(Duration walltime, QueueDef queue) {
            if (!walltime.isZero()) {
                return walltime.toMillis();
            }
            if (queue != null && !queue.maxWalltime().isZero()) {
                return queue.maxWalltime().toMillis();
            }
            return NodePool.NEVER;
        }

        // ---------------------------------------------------------------- placement

        /** Set by {@link #place} when room existed but was reserved for a task of higher priority. */
        private TaskKey blockedBy;
        private int blockedNodes;

        /**
         * Chooses {@code r.nodes()} distinct nodes with room, most free cores first, and takes the room
         * from them. Returns no slots (and takes nothing) when the request does not fit now.
         */
        private List<NodeSlot> place(PendingTask task, QueueDef queue, Set<String> avoid, long end) {
            blockedBy = null;
            blockedByAdvance = null;
            blockedNodes = 0;
            Resources r = task.resources();
            int want = r.nodes();
            int c = r.coresPerNode();
            long m = r.memoryPerNode();
            Map<String, Long> g = r.generic();
            int[] chosen = new int[want];
            int count = 0;
            Set<String> named = r.access().required();
            for (String name : named) {
                int i = pool.index(name);
                if (i < 0 || !queue.allowsNode(name) || !usable(i, task, avoid, end)) {
                    return List.of();
                }
                chosen[count++] = i;
            }
            if (count == want) {
                // every node named
            } else if (!queue.nodes().isEmpty()) {
                int[] rest = new int[want - count];
                int more = chooseAmong(allowedNodes(queue), rest, task, avoid, end);
                System.arraycopy(rest, 0, chosen, count, more);
                count += more;
            } else {
                outer:
                for (int free = pool.nextCount(pool.largestFree(), c); free >= 0;
                     free = pool.nextCount(free - 1, c)) {
                    BitSet b = pool.nodesWithFree(free);
                    for (int i = b.nextSetBit(0); i >= 0; i = b.nextSetBit(i + 1)) {
                        if (!named.contains(pool.names[i]) && usable(i, task, avoid, end)) {
                            chosen[count++] = i;
                            if (count == want) {
                                break outer;
                            }
                        }
                    }
                }
            }
            if (count < want) {
                if (count + blockedNodes < want) {
                    blockedBy = null; // too little room even without the reservations
                    blockedByAdvance = null;
                }
                return List.of();
            }
            blockedBy = null;
            blockedByAdvance = null;
            List<NodeSlot> slots = new ArrayList<>(want);
            for (int i : chosen) {
                pool.take(i, c, m, g, end);
                occupy(i, task.owner(), r.access().sharing(), end);
                slots.add(new NodeSlot(pool.names[i], c, m));
            }
            return slots;
        }

        /**
         * Whether node {@code i} may take this task as far as its names and holds go, room aside: not a
         * node it excludes, not held for another user, and for an exclusive task running nothing (of other
         * users, for exclusive=user).
         */
        private boolean sharingAllows(int i, PendingTask task) {
            NodeAccess a = task.resources().access();
            if (!a.allows(pool.names[i]) || (userHold[i] != null && !userHold[i].equals(task.owner()))) {
                return false;
            }
            return switch (a.sharing()) {
                case EXCLUSIVE -> owners[i] == null;
                case USER -> owners[i] == null || owners[i].equals(task.owner());
                case SHARED -> true;
            };
        }

        private boolean usable(int i, PendingTask task, Set<String> avoid, long end) {
            Resources r = task.resources();
            int c = r.coresPerNode();
            long m = r.memoryPerNode();
            Map<String, Long> g = r.generic();
            if (!pool.schedulable[i] || !pool.admits(i, r.constraint()) || !pool.fitsNow(i, c, m, g)
                    || (!avoid.isEmpty() && avoid.contains(pool.names[i])) || !sharingAllows(i, task)) {
                return false;
            }
            if (r.access().sharing() == NodeAccess.Sharing.EXCLUSIVE) {
                if (pool.free[i] != pool.cores[i]) {
                    return false; // held cores of an advance reservation: not a node that runs nothing
                }
                // it takes the whole node: the whole node must be free of reservations for its time
                c = pool.cores[i];
                m = pool.memory[i];
                g = pool.totalGeneric[i];
            }
            if (!advanceAllows(i, c, end)) {
                blockedNodes++;
                return false;
            }
            if (!pool.backfillAllowed(i, c, m, g, end)) {
                blockedNodes++;
                if (blockedBy == null || pool.reservedFor[i].compareTo(blockedBy) < 0) {
                    blockedBy = pool.reservedFor[i];
                }
                return false;
            }
            return true;
        }

        /** Among a queue's own nodes: the best {@code chosen.length} by free cores, then name. */
        private int chooseAmong(int[] allowed, int[] chosen, PendingTask task, Set<String> avoid, long end) {
            Resources r = task.resources();
            int count = 0;
            for (int i : allowed) {
                if (r.access().required().contains(pool.names[i]) || !usable(i, task, avoid, end)) {
                    continue;
                }
                int at = count;
                while (at > 0 && pool.free[chosen[at - 1]] < pool.free[i]) {
                    at--;
                }
                if (at < chosen.length) {
                    int last = Math.min(count, chosen.length - 1);
                    System.arraycopy(chosen, at, chosen, at + 1, last - at);
                    chosen[at] = i;
                    count = Math.min(count + 1, chosen.length);
                }
            }
            return count;
        }

        private int[] allowedNodes(QueueDef queue) {
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

        /**
         * The nodes this task must keep off: those that failed it, as long as enough other schedulable
         * nodes of its queue could hold it when empty; otherwise none, so that it is not stranded.
         */
        private Set<String> avoidable(PendingTask task, QueueDef queue) {
            Resources r = task.resources();
            // a node it must have is never kept off: it would wait for ever
            if (task.avoidNodes().isEmpty() || r.access().required().stream().anyMatch(task.avoidNodes()::contains)) {
                return Set.of();
            }
            int others = 0;
            for (int i = 0; i < pool.size; i++) {
                if (pool.schedulable[i] && queue.allowsNode(pool.names[i]) && r.access().allows(pool.names[i])
                        && !task.avoidNodes().contains(pool.names[i]) && pool.admits(i, r.constraint())
                        && pool.couldHold(i, r.coresPerNode(), r.memoryPerNode(), r.generic())) {
                    others++;
                }
            }
            return others >= r.nodes() ? task.avoidNodes() : Set.of();
        }

        // ---------------------------------------------------------------- backfill reservations

        /**
         * Reserves, for a task that cannot start now, the nodes that free up first, and returns when
         * it is expected to start; {@link NodePool#NEVER} when that cannot be known.
         */
        private long reserve(PendingTask task, QueueDef queue, Set<String> avoid, long duration) {
            Resources r = task.resources();
            int c = r.coresPerNode();
            long m = r.memoryPerNode();
            Map<String, Long> g = r.generic();
            int[] scope = queue.nodes().isEmpty() ? null : allowedNodes(queue);
            int n = scope == null ? pool.size : scope.length;
            NodeAccess access = r.access();
            // each candidate as one long: milliseconds from now in the high bits, the node index in the low 22;
            // the nodes it names first, then the others
            int named = access.required().size();
            long[] keys = new long[Math.max(n, named)];
            int count = 0;
            long namedAt = 0;
            for (String name : access.required()) {
                int i = pool.index(name);
                long t = i < 0 || !queue.allowsNode(name) ? NodePool.NEVER : earliestFor(i, task, avoid, duration);
                if (t == NodePool.NEVER) {
                    return NodePool.NEVER;
                }
                namedAt = Math.max(namedAt, t - nowMillis);
                keys[count++] = ((t - nowMillis) << INDEX_BITS) | i;
            }
            for (int k = 0; k < n; k++) {
                int i = scope == null ? k : scope[k];
                if (named > 0 && access.required().contains(pool.names[i])) {
                    continue;
                }
                long t = earliestFor(i, task, avoid, duration);
                if (t != NodePool.NEVER) {
                    keys[count++] = ((t - nowMillis) << INDEX_BITS) | i;
                }
            }
            if (count < r.nodes()) {
                return NodePool.NEVER;
            }
            if (r.nodes() == named) {
                // only the nodes it names
            } else if (r.nodes() - named == 1) {
                int best = named;
                for (int k = named + 1; k < count; k++) {
                    if (keys[k] < keys[best]) {
                        best = k;
                    }
                }
                keys[named] = keys[best];
            } else {
                Arrays.sort(keys, named, count);
            }
            long at = nowMillis + Math.max(namedAt, keys[r.nodes() - 1] >>> INDEX_BITS);
            long until = duration == NodePool.NEVER ? NodePool.NEVER : at + duration;
            for (int k = 0; k < r.nodes(); k++) {
                int i = (int) (keys[k] & INDEX_MASK);
                if (access.sharing() == NodeAccess.Sharing.EXCLUSIVE) {
                    pool.reserve(i, task.key(), at, until, pool.cores[i], pool.memory[i], pool.totalGeneric[i]);
                } else {
                    pool.reserve(i, task.key(), at, until, c, m, g);
                }
            }
            return at;
        }

        /**
         * When node {@code i} can first take this task for {@code duration}, in epoch milliseconds;
         * {@link NodePool#NEVER} when it never can or that cannot be known. An exclusive task waits for the whole
         * node, one exclusive for its user for the whole node when other users run there, any task for other
         * users' holds to end, and for the advance reservations ahead on the node that would leave it too few
         * cores while it runs.
         */
        private long earliestFor(int i, PendingTask task, Set<String> avoid, long duration) {
            Resources r = task.resources();
            int c = r.coresPerNode();
            long m = r.memoryPerNode();
            Map<String, Long> g = r.generic();
            NodeAccess access = r.access();
            if (!pool.schedulable[i] || !pool.admits(i, r.constraint()) || !pool.couldHold(i, c, m, g)
                    || (!avoid.isEmpty() && avoid.contains(pool.names[i])) || !access.allows(pool.names[i])) {
                return NodePool.NEVER;
            }
            boolean wholeNode = access.sharing() == NodeAccess.Sharing.EXCLUSIVE
                    || (access.sharing() == NodeAccess.Sharing.USER && owners[i] != null
                    && !owners[i].equals(task.owner()));
            long t = wholeNode ? pool.earliestFit(i, pool.cores[i], pool.memory[i], pool.totalGeneric[i], nowMillis)
                    : pool.earliestFit(i, c, m, g, nowMillis);
            if (userHold[i] != null && !userHold[i].equals(task.owner())) {
                t = Math.max(t, userHoldEnd[i]);
            }
            if (t != NodePool.NEVER && !advance.containsKey(task.queue())) {
                t = afterAdvance(i, wholeNode ? pool.cores[i] : c, t, duration);
            }
            return t == NodePool.NEVER || t - nowMillis >= MAX_HORIZON ? NodePool.NEVER : t;
        }

        /**
         * The first time from {@code t} at which {@code c} cores of node {@code i} held for {@code duration} cross
         * no advance reservation ahead there that leaves fewer: otherwise a waiting job's backfill estimate took
         * the room before a reservation (a maintenance one drains the node ahead), and held off the short jobs
         * that fit there before it begins.
         */
        private long afterAdvance(int i, int c, long t, long duration) {
            List<Reservation> list = ahead.get(i);
            if (list == null) {
                return t;
            }
            boolean moved = true;
            while (moved && t != NodePool.NEVER) {
                moved = false;
                for (Reservation a : list) {
                    long start = a.start().toEpochMilli();
                    long end = a.end().toEpochMilli();
                    boolean crosses = t < end && (duration == NodePool.NEVER || t + duration > start);
                    if (crosses && a.coresPerNode() + c > pool.cores[i]) {
                        t = duration == NodePool.NEVER ? NodePool.NEVER : end;
                        moved = true;
                        break;
                    }
                }
            }
            return t;
        }

        // ---------------------------------------------------------------- reasons

        private String priorityReason(TaskKey ahead) {
            return "waiting for priority: job " + taskName(ahead) + " has a higher priority and the room this "
                    + "job would use is reserved for it; starting now would delay it";
        }

        private String advanceReason(Reservation a) {
            return "waiting for resources: the room it needs is reserved for reservation " + a.queue() + " from "
                    + a.start() + " to " + a.end() + "; a walltime that ends before " + a.start()
                    + " lets it start now";
        }

        private String resourceReason(Resources r, QueueDef queue) {
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
            } else if (!r.generic().isEmpty() && noNodeHas(r.generic())) {
                s.append("; no node has these generic resources");
            } else if (!r.constraint().isEmpty()) {
                String unmet = r.constraint().unmetBy(Arrays.asList(pool.traits));
                if (!unmet.isEmpty()) {
                    s.append("; ").append(unmet);
                }
            }
            return s.toString();
        }

        private boolean noNodeHas(Map<String, Long> g) {
            for (int i = 0; i < pool.size; i++) {
                if (NodePool.covers(pool.totalGeneric[i], g)) {
                    return false;
                }
            }
            return true;
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
