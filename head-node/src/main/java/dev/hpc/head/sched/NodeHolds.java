package dev.hpc.head.sched;

import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeSlot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What holds the nodes during one plan beyond their free room in the {@link NodePool}: who runs on each
 * node and who alone may start there (exclusive=user), and the advance reservations with the cores each
 * leaves its jobs on each of its nodes and the reservations ahead on each node. {@link #load} sets them up
 * from the running tasks and the reservations; {@link #occupy} records each start. The arrays and maps
 * are read in place by {@link Placer} and {@link Backfill}, which keep them in fields of their own.
 */
final class NodeHolds {
    /** An owner no user name equals: several users' tasks share the node. */
    static final String MIXED = "\0mixed";

    private final NodePool pool;
    private final Instant now;
    /** The advance reservations not ended, by queue name; their cores left per node while active. */
    final Map<String, Reservation> advance = new TreeMap<>();
    final Map<String, Map<Integer, Integer>> reservedLeft = new HashMap<>();
    /** The advance reservations on each node that begin after now. */
    final Map<Integer, List<Reservation>> ahead = new HashMap<>();
    /** Per node: the one owner of everything running there, {@link #MIXED} for several, null for nothing. */
    final String[] owners;
    /** Per node: the owner whose tasks alone may start there (an exclusive=user task runs), else null. */
    final String[] userHold;
    /** Per node: when the last exclusive=user task there is expected to end. */
    final long[] userHoldEnd;
    boolean anyUserHold;

    NodeHolds(NodePool pool, Instant now) {
        this.pool = pool;
        this.now = now;
        this.owners = new String[pool.size];
        this.userHold = new String[pool.size];
        this.userHoldEnd = new long[pool.size];
    }

    /** Notes that a task of {@code owner} runs (or will) on node {@code i} until {@code end}, holding it as it asks. */
    void occupy(int i, String owner, NodeAccess.Sharing sharing, long end) {
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

    /**
     * Takes in the advance reservations not ended and the running tasks (counting them in {@code rules}),
     * and holds from other work what the reservations in their window leave unused. Returns whether a
     * reservation is in its window now.
     */
    boolean load(ClusterSnapshot snapshot, QueueRules rules) {
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
                rules.running(r.queue(), r.owner());
                continue;
            }
            long end = rules.expectedEnd(r.start(), r.walltime(), r.queue());
            for (NodeSlot s : r.slots()) {
                int i = pool.index(s.node());
                if (i >= 0) {
                    pool.holdsUntil(i, new NodePool.Release(end, s.cores(), s.memory(), r.genericPerNode()));
                    occupy(i, r.owner(), r.sharing(), end);
                }
            }
            rules.running(r.queue(), r.owner());
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
        return inWindow;
    }
}
