package dev.hpc.head.state;

import dev.hpc.api.job.IndexSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;
import java.util.TreeMap;

/**
 * The indices of an array's unstarted tasks, as runs that a start or a command on one index splits: taking
 * an index out costs a lookup among the runs, not a copy of them, so a million tasks started in any order
 * cost what their holes cost.
 */
final class IndexRuns {
    /** Runs by their first index: {@code {last, step}}. */
    private final TreeMap<Integer, int[]> runs = new TreeMap<>();
    private int size;

    IndexRuns(IndexSet indices) {
        for (int[] r : indices.runList()) {
            runs.put(r[0], new int[] {r[1], r[2]});
        }
        size = indices.size();
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    boolean contains(int index) {
        Map.Entry<Integer, int[]> e = runs.floorEntry(index);
        if (e == null) {
            return false;
        }
        int[] r = e.getValue();
        return index <= r[0] && (index - (long) e.getKey()) % r[1] == 0;
    }

    /** Takes {@code index} out; false when it was not there. */
    boolean remove(int index) {
        Map.Entry<Integer, int[]> e = runs.floorEntry(index);
        if (e == null) {
            return false;
        }
        int first = e.getKey();
        int last = e.getValue()[0];
        int step = e.getValue()[1];
        if (index > last || (index - (long) first) % step != 0) {
            return false;
        }
        runs.remove(first);
        if (index > first) {
            runs.put(first, new int[] {index - step, step});
        }
        if (index < last) {
            runs.put(index + step, new int[] {last, step});
        }
        size--;
        return true;
    }

    /** The indices in ascending order; valid until the next change. */
    PrimitiveIterator.OfInt iterator() {
        Iterator<Map.Entry<Integer, int[]>> it = runs.entrySet().iterator();
        return new PrimitiveIterator.OfInt() {
            private long next;
            private int last = -1;
            private int step = 1;
            private boolean inRun;

            @Override
            public boolean hasNext() {
                return inRun || it.hasNext();
            }

            @Override
            public int nextInt() {
                if (!inRun) {
                    if (!it.hasNext()) {
                        throw new NoSuchElementException();
                    }
                    Map.Entry<Integer, int[]> e = it.next();
                    next = e.getKey();
                    last = e.getValue()[0];
                    step = e.getValue()[1];
                    inRun = true;
                }
                int v = (int) next;
                next += step;
                inRun = next <= last;
                return v;
            }
        };
    }

    IndexSet toIndexSet() {
        IndexSet.Builder b = new IndexSet.Builder();
        runs.forEach((first, r) -> b.addRun(first, r[0], r[1]));
        return b.build();
    }
}
