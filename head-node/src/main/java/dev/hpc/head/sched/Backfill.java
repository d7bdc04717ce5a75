package dev.hpc.head.sched;

import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.Resources;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The backfill reservations of one plan: for a task that cannot start now, the earliest time enough nodes
 * free up for it (from the expected ends of the running work, the other users' holds, the advance
 * reservations ahead and the backfill reservations made before it), reserved in the {@link NodePool} so
 * that lower-priority work does not delay it. The arrays of {@link NodeHolds} are fields of this class too,
 * so that the per-node loop reaches them in one step.
 */
final class Backfill {
    private static final int INDEX_BITS = 22;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;
    /** Estimates reach at most this far ahead (about 69 years): beyond it, "no estimate". */
    private static final long MAX_HORIZON = 1L << (63 - INDEX_BITS);

    private final NodePool pool;
    private final QueueRules rules;
    private final long nowMillis;
    private final String[] owners;
    private final String[] userHold;
    private final long[] userHoldEnd;
    private final Map<String, Reservation> advance;
    private final Map<Integer, List<Reservation>> ahead;

    Backfill(NodePool pool, NodeHolds holds, QueueRules rules, long nowMillis) {
        this.pool = pool;
        this.rules = rules;
        this.nowMillis = nowMillis;
        this.owners = holds.owners;
        this.userHold = holds.userHold;
        this.userHoldEnd = holds.userHoldEnd;
        this.advance = holds.advance;
        this.ahead = holds.ahead;
    }

    /**
     * Reserves, for a task that cannot start now, the nodes that free up first, and returns when
     * it is expected to start; {@link NodePool#NEVER} when that cannot be known.
     */
    long reserve(PendingTask task, QueueDef queue, Set<String> avoid, long duration) {
        Resources r = task.resources();
        int c = r.coresPerNode();
        long m = r.memoryPerNode();
        Map<String, Long> g = r.generic();
        int[] scope = queue.nodes().isEmpty() ? null : rules.allowedNodes(queue);
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
}
