package dev.hpc.head.sched;

import dev.hpc.api.job.NodeConstraint;
import dev.hpc.api.job.NodeTraits;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The nodes during one plan, by index in name order: what is free on each, an index of the
 * schedulable nodes by free cores (so that finding room costs what it finds, not a scan of every
 * node), when running work is expected to release what it holds, and the backfill reservations made
 * so far. Times are epoch milliseconds; {@link #NEVER} is "unknown".
 */
final class NodePool {
    static final long NEVER = Long.MAX_VALUE;

    /** What a running (or just placed) task gives back on one node when it ends. */
    record Release(long end, int cores, long memory, Map<String, Long> generic) {
    }

    final int size;
    final String[] names;
    final boolean[] schedulable;
    final int[] cores;
    final int[] free;
    final long[] memory;
    final long[] freeMemory;
    final Map<String, Long>[] totalGeneric;
    final Map<String, Long>[] freeGeneric;
    final NodeTraits[] traits;
    private final Map<String, Integer> byName;
    /** buckets[c]: schedulable nodes with exactly c free cores (c >= 1). */
    private final BitSet[] buckets;
    /** The free-core counts that have a non-empty bucket. */
    private final BitSet nonEmpty = new BitSet();
    long totalFree;
    final int largestCores;
    final long largestMemory;
    private final List<Release>[] releases;
    private final boolean[] sorted;
    final long[] reservedAt;
    final long[] reservedUntil;
    final int[] spareCores;
    final long[] spareMemory;
    final Map<String, Long>[] spareGeneric;
    final TaskKey[] reservedFor;

    @SuppressWarnings("unchecked")
    NodePool(List<NodeCapacity> nodes) {
        size = nodes.size();
        names = new String[size];
        schedulable = new boolean[size];
        cores = new int[size];
        free = new int[size];
        memory = new long[size];
        freeMemory = new long[size];
        totalGeneric = new Map[size];
        freeGeneric = new Map[size];
        traits = new NodeTraits[size];
        byName = new HashMap<>(size * 2);
        releases = new List[size];
        sorted = new boolean[size];
        reservedAt = new long[size];
        reservedUntil = new long[size];
        spareCores = new int[size];
        spareMemory = new long[size];
        spareGeneric = new Map[size];
        reservedFor = new TaskKey[size];
        int largest = 0;
        long largestMem = 0;
        for (NodeCapacity n : nodes) {
            largest = Math.max(largest, n.cores());
            largestMem = Math.max(largestMem, n.memory());
        }
        largestCores = largest;
        largestMemory = largestMem;
        buckets = new BitSet[largest + 1];
        for (int i = 0; i < size; i++) {
            NodeCapacity n = nodes.get(i);
            names[i] = n.name();
            byName.put(n.name(), i);
            schedulable[i] = n.schedulable();
            cores[i] = n.cores();
            free[i] = Math.min(n.freeCores(), n.cores());
            memory[i] = n.memory();
            // A node that reports no memory figure is not limited by memory.
            freeMemory[i] = n.memory() == 0 ? Long.MAX_VALUE : n.freeMemory();
            totalGeneric[i] = n.generic();
            freeGeneric[i] = n.generic().isEmpty() ? Map.of() : new TreeMap<>(n.freeGeneric());
            traits[i] = n.traits();
            reservedAt[i] = NEVER;
            reservedUntil[i] = NEVER;
            if (schedulable[i] && free[i] > 0) {
                bucket(free[i]).set(i);
                nonEmpty.set(free[i]);
                totalFree += free[i];
            }
        }
    }

    private BitSet bucket(int c) {
        BitSet b = buckets[c];
        if (b == null) {
            b = new BitSet(size);
            buckets[c] = b;
        }
        return b;
    }

    int index(String name) {
        Integer i = byName.get(name);
        return i == null ? -1 : i;
    }

    /** Remembers that a task holds room on node {@code i} until {@code end} (NEVER: unknown). */
    void holdsUntil(int i, Release r) {
        if (releases[i] == null) {
            releases[i] = new ArrayList<>(4);
        }
        releases[i].add(r);
        sorted[i] = false;
    }

    /** The cores that running or placed work gives back on node {@code i} by {@code t}. */
    int coresReleasedBy(int i, long t) {
        int out = 0;
        if (releases[i] != null) {
            for (Release r : releases[i]) {
                if (r.end() <= t) {
                    out += r.cores();
                }
            }
        }
        return out;
    }

    /** Whether node {@code i} is of the kind the request asks for (its properties and host resources). */
    boolean admits(int i, NodeConstraint c) {
        return c.isEmpty() || c.admits(traits[i]);
    }

    /** Whether node {@code i} could ever hold the per-node request (when empty). */
    boolean couldHold(int i, int c, long m, Map<String, Long> g) {
        return cores[i] >= c && (memory[i] == 0 || memory[i] >= m) && covers(totalGeneric[i], g);
    }

    boolean fitsNow(int i, int c, long m, Map<String, Long> g) {
        return free[i] >= c && freeMemory[i] >= m && covers(freeGeneric[i], g);
    }

    static boolean covers(Map<String, Long> have, Map<String, Long> want) {
        if (want.isEmpty()) {
            return true;
        }
        for (Map.Entry<String, Long> e : want.entrySet()) {
            if (e.getValue() > 0 && have.getOrDefault(e.getKey(), 0L) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Whether a task ending at {@code end} may take this room now without delaying a reservation. */
    boolean backfillAllowed(int i, int c, long m, Map<String, Long> g, long end) {
        if (reservedAt[i] == NEVER || end <= reservedAt[i]) {
            return true;
        }
        return c <= spareCores[i] && m <= spareMemory[i] && covers(spareGeneric[i], g);
    }

    /** Takes room on node {@code i} for a task expected to end at {@code end}. */
    void take(int i, int c, long m, Map<String, Long> g, long end) {
        int before = free[i];
        free[i] -= c;
        totalFree -= c;
        if (memory[i] != 0) {
            freeMemory[i] -= m;
        }
        if (!g.isEmpty()) {
            freeGeneric[i] = subtract(freeGeneric[i], g);
        }
        if (schedulable[i]) {
            buckets[before].clear(i);
            if (buckets[before].isEmpty()) {
                nonEmpty.clear(before);
            }
            if (free[i] > 0) {
                bucket(free[i]).set(i);
                nonEmpty.set(free[i]);
            }
        }
        if (reservedAt[i] != NEVER && end > reservedAt[i]) {
            spareCores[i] -= c;
            spareMemory[i] -= m;
            spareGeneric[i] = subtract(spareGeneric[i], g);
        }
        holdsUntil(i, new Release(end, c, m, g));
    }

    /**
     * Takes whatever is still free on node {@code i} until {@code end}: the node is held by an exclusive
     * task, and nothing else may start there before it ends.
     */
    void takeRest(int i, long end) {
        Map<String, Long> g = new TreeMap<>();
        freeGeneric[i].forEach((k, v) -> {
            if (v > 0) {
                g.put(k, v);
            }
        });
        long m = memory[i] == 0 ? 0 : Math.max(0, freeMemory[i]);
        if (free[i] > 0) {
            take(i, free[i], m, g, end);
        } else if (m > 0 || !g.isEmpty()) {
            // no core left to take: only memory and generic resources, without touching the core index
            if (memory[i] != 0) {
                freeMemory[i] -= m;
            }
            freeGeneric[i] = subtract(freeGeneric[i], g);
            holdsUntil(i, new Release(end, 0, m, g));
        }
    }

    private static Map<String, Long> subtract(Map<String, Long> from, Map<String, Long> g) {
        if (g.isEmpty()) {
            return from;
        }
        Map<String, Long> out = new TreeMap<>(from);
        g.forEach((k, v) -> out.merge(k, -v, Long::sum));
        return out;
    }

    /**
     * The free-core counts from the largest down to {@code atLeast} that some schedulable node has;
     * callers walk {@link #nodesWithFree} of each.
     */
    int nextCount(int from, int atLeast) {
        if (from < atLeast) {
            return -1;
        }
        int c = nonEmpty.previousSetBit(Math.min(from, buckets.length - 1));
        return c >= atLeast ? c : -1;
    }

    int largestFree() {
        return buckets.length == 0 ? -1 : nonEmpty.previousSetBit(buckets.length - 1);
    }

    BitSet nodesWithFree(int c) {
        return buckets[c];
    }

    /**
     * The earliest time at which node {@code i} can hold the per-node request, from what it holds now
     * and when that is released; {@link #NEVER} when that depends on work with no expected end. A
     * node reserved for another task is free for this one only once that reservation would end.
     */
    long earliestFit(int i, int c, long m, Map<String, Long> g, long now) {
        long t;
        if (fitsNow(i, c, m, g)) {
            t = now;
        } else {
            t = NEVER;
            List<Release> list = releases[i];
            if (list != null) {
                sortReleases(i);
                int f = free[i];
                long mem = freeMemory[i];
                Map<String, Long> gen = freeGeneric[i];
                for (Release r : list) {
                    if (r.end() == NEVER) {
                        break;
                    }
                    f += r.cores();
                    if (memory[i] != 0) {
                        mem += r.memory();
                    }
                    gen = add(gen, r.generic());
                    if (f >= c && mem >= m && covers(gen, g)) {
                        t = Math.max(now, r.end());
                        break;
                    }
                }
            }
        }
        if (reservedAt[i] != NEVER) {
            t = reservedUntil[i] == NEVER ? NEVER : Math.max(t, reservedUntil[i]);
        }
        return t;
    }

    /** Reserves node {@code i} from {@code at} until {@code until} for a task; what is left over stays for backfill. */
    void reserve(int i, TaskKey task, long at, long until, int c, long m, Map<String, Long> g) {
        int f = free[i];
        long mem = freeMemory[i];
        Map<String, Long> gen = freeGeneric[i];
        List<Release> list = releases[i];
        if (list != null) {
            sortReleases(i);
            for (Release r : list) {
                if (r.end() > at) {
                    break;
                }
                f += r.cores();
                if (memory[i] != 0) {
                    mem += r.memory();
                }
                gen = add(gen, r.generic());
            }
        }
        reservedAt[i] = at;
        reservedUntil[i] = until;
        reservedFor[i] = task;
        spareCores[i] = f - c;
        spareMemory[i] = mem == Long.MAX_VALUE ? Long.MAX_VALUE : mem - m;
        spareGeneric[i] = subtract(gen, g);
    }

    private void sortReleases(int i) {
        if (!sorted[i]) {
            releases[i].sort(Comparator.comparingLong(Release::end));
            sorted[i] = true;
        }
    }

    private static Map<String, Long> add(Map<String, Long> to, Map<String, Long> g) {
        if (g.isEmpty()) {
            return to;
        }
        Map<String, Long> out = new TreeMap<>(to);
        g.forEach((k, v) -> out.merge(k, v, Long::sum));
        return out;
    }
}
