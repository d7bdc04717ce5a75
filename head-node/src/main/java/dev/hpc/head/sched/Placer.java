package dev.hpc.head.sched;

import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Resources;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a task starts now, during one plan: the nodes it names, then those with the most free cores that
 * can hold it (through the pool's index by free cores, or among its queue's own nodes), each usable as far
 * as its room, its kind, the task's sharing, the other users' holds, the advance reservations ahead and the
 * backfill reservations of tasks of higher priority go. When room existed but was reserved, it says for
 * whom ({@link #blockedBy}, {@link #blockedByAdvance}). The arrays of {@link NodeHolds} are fields of this
 * class too, so that the per-node loops reach them in one step (a cycle scans thousands of nodes).
 */
final class Placer {
    private final NodePool pool;
    private final NodeHolds holds;
    private final QueueRules rules;
    private final String[] owners;
    private final String[] userHold;
    private final Map<Integer, List<Reservation>> ahead;

    /** Set by {@link #place} when room existed but was reserved for a task of higher priority. */
    TaskKey blockedBy;
    /** Set by {@link #place} when room existed but an advance reservation ahead needs it. */
    Reservation blockedByAdvance;
    private int blockedNodes;

    Placer(NodePool pool, NodeHolds holds, QueueRules rules) {
        this.pool = pool;
        this.holds = holds;
        this.rules = rules;
        this.owners = holds.owners;
        this.userHold = holds.userHold;
        this.ahead = holds.ahead;
    }

    /**
     * Chooses {@code r.nodes()} distinct nodes with room, most free cores first, and takes the room
     * from them. Returns no slots (and takes nothing) when the request does not fit now.
     */
    List<NodeSlot> place(PendingTask task, QueueDef queue, Set<String> avoid, long end) {
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
            int more = chooseAmong(rules.allowedNodes(queue), rest, task, avoid, end);
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
            holds.occupy(i, task.owner(), r.access().sharing(), end);
            slots.add(new NodeSlot(pool.names[i], c, m));
        }
        return slots;
    }

    /**
     * Whether node {@code i} may take this task as far as its names and holds go, room aside: not a
     * node it excludes, not held for another user, and for an exclusive task running nothing (of other
     * users, for exclusive=user).
     */
    boolean sharingAllows(int i, PendingTask task) {
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

    /**
     * The nodes this task must keep off: those that failed it, as long as enough other schedulable
     * nodes of its queue could hold it when empty; otherwise none, so that it is not stranded.
     */
    Set<String> avoidable(PendingTask task, QueueDef queue) {
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
}
