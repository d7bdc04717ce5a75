package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;
import java.util.RandomAccess;

/**
 * Sorted, distinct array indices held as runs ({@code first}, {@code last}, {@code step}), so that a million
 * indices written {@code 0-999999} cost three numbers, not a million (issue 15). It is an immutable
 * {@code List<Integer>} in ascending order; {@link #get}, {@link #contains(int)} and {@link #rank} cost a
 * binary search over the runs. Its text form is the one of Torque's {@code -t}: {@code 1-99:2,200,300-400}.
 */
public final class IndexSet extends AbstractList<Integer> implements RandomAccess {
    public static final IndexSet EMPTY = new IndexSet(new int[0], new int[0], new int[0]);

    private final int[] first;
    private final int[] last;
    private final int[] step;
    /** How many indices the runs before each run hold. */
    private final int[] before;
    private final int size;

    private IndexSet(int[] first, int[] last, int[] step) {
        this.first = first;
        this.last = last;
        this.step = step;
        this.before = new int[first.length];
        long total = 0;
        for (int r = 0; r < first.length; r++) {
            before[r] = (int) total;
            total += (last[r] - (long) first[r]) / step[r] + 1;
        }
        if (total > Integer.MAX_VALUE) {
            throw new InvalidRequestException("an index set holds at most " + Integer.MAX_VALUE + " indices");
        }
        this.size = (int) total;
    }

    /** The set with the given runs, each {@code {first, last, step}}, in any order; runs may overlap. */
    public static IndexSet ofRuns(List<int[]> runs) {
        int[][] sorted = runs.toArray(new int[0][]);
        Arrays.sort(sorted, (a, b) -> Integer.compare(a[0], b[0]));
        boolean overlap = false;
        for (int i = 0; i < sorted.length; i++) {
            int[] r = sorted[i];
            if (r[1] < r[0] || r[2] < 1) {
                throw new InvalidRequestException("index run " + r[0] + "-" + r[1] + ":" + r[2] + " is empty or has "
                        + "a step below 1");
            }
            if (i > 0 && r[0] <= sorted[i - 1][1]) {
                overlap = true;
            }
        }
        if (!overlap) {
            Builder b = new Builder();
            for (int[] r : sorted) {
                b.addRun(r[0], r[1] - (r[1] - r[0]) % r[2], r[2]);
            }
            return b.build();
        }
        // runs that interleave: spell them out once, at most as many numbers as they hold
        long count = 0;
        for (int[] r : sorted) {
            count += (r[1] - (long) r[0]) / r[2] + 1;
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new InvalidRequestException("an index set holds at most " + Integer.MAX_VALUE + " indices");
        }
        int[] all = new int[(int) count];
        int k = 0;
        for (int[] r : sorted) {
            for (long v = r[0]; v <= r[1]; v += r[2]) {
                all[k++] = (int) v;
            }
        }
        Arrays.sort(all);
        Builder b = new Builder();
        for (int i = 0; i < all.length; i++) {
            if (i == 0 || all[i] != all[i - 1]) {
                b.add(all[i]);
            }
        }
        return b.build();
    }

    /** The indices of a list, in any order, repeats allowed. */
    public static IndexSet copyOf(List<Integer> indices) {
        if (indices instanceof IndexSet s) {
            return s;
        }
        int[] all = indices.stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
        Builder b = new Builder();
        for (int v : all) {
            b.add(v);
        }
        return b.build();
    }

    /**
     * Reads the text form, {@code 1-99:2,200,300-400}: runs in ascending order that do not overlap, as
     * {@link #toString()} writes them. An empty text is the empty set.
     */
    public static IndexSet parse(String text) {
        if (text.isEmpty()) {
            return EMPTY;
        }
        Builder b = new Builder();
        int previousLast = Integer.MIN_VALUE;
        boolean any = false;
        for (String part : text.split(",", -1)) {
            int[] r = run(part, text);
            if (any && r[0] <= previousLast) {
                throw new InvalidRequestException("index set '" + cut(text) + "' must list its runs in ascending "
                        + "order without overlaps");
            }
            b.addRun(r[0], r[1], r[2]);
            previousLast = r[1];
            any = true;
        }
        return b.build();
    }

    private static int[] run(String part, String text) {
        try {
            int colon = part.indexOf(':');
            String range = colon < 0 ? part : part.substring(0, colon);
            int step = colon < 0 ? 1 : Integer.parseInt(part.substring(colon + 1));
            int dash = range.indexOf('-', 1);
            int a = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
            int z = dash < 0 ? a : Integer.parseInt(range.substring(dash + 1));
            if (z < a || step < 1 || (colon >= 0 && dash < 0) || (z - (long) a) % step != 0) {
                throw new NumberFormatException();
            }
            return new int[] {a, z, step};
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("index set '" + cut(text) + "' has a malformed run '" + cut(part)
                    + "'; write runs like 1-99:2,200,300-400");
        }
    }

    private static String cut(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    @Override
    public int size() {
        return size;
    }

    /** How many runs hold the indices: what the set costs. */
    public int runs() {
        return first.length;
    }

    @Override
    public Integer get(int position) {
        return index(position);
    }

    /** The index at {@code position} in ascending order. */
    public int index(int position) {
        if (position < 0 || position >= size) {
            throw new IndexOutOfBoundsException("position " + position + " of " + size);
        }
        int lo = 0;
        int hi = first.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (before[mid] <= position) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return (int) (first[lo] + (long) (position - before[lo]) * step[lo]);
    }

    /** The run that could hold {@code index}: the last run whose first index is at most it; -1 when none. */
    private int runAtOrBefore(int index) {
        int lo = 0;
        int hi = first.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (first[mid] <= index) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    public boolean contains(int index) {
        int r = runAtOrBefore(index);
        return r >= 0 && index <= last[r] && (index - (long) first[r]) % step[r] == 0;
    }

    @Override
    public boolean contains(Object o) {
        return o instanceof Integer i && contains(i.intValue());
    }

    @Override
    public int indexOf(Object o) {
        if (!(o instanceof Integer i) || !contains(i.intValue())) {
            return -1;
        }
        return rank(i);
    }

    @Override
    public int lastIndexOf(Object o) {
        return indexOf(o);
    }

    /** How many indices of the set are below {@code index}. */
    public int rank(int index) {
        int r = runAtOrBefore(index);
        if (r < 0) {
            return 0;
        }
        if (index > last[r]) {
            return before[r] + (int) ((last[r] - (long) first[r]) / step[r]) + 1;
        }
        return before[r] + (int) ((index - (long) first[r] + step[r] - 1) / step[r]);
    }

    /** The lowest index; the set must not be empty. */
    public int firstIndex() {
        if (size == 0) {
            throw new NoSuchElementException("the index set is empty");
        }
        return first[0];
    }

    /** The indices in ascending order, without boxing. */
    public PrimitiveIterator.OfInt indices() {
        return new PrimitiveIterator.OfInt() {
            private int run;
            private long next = first.length == 0 ? 0 : first[0];

            @Override
            public boolean hasNext() {
                return run < first.length;
            }

            @Override
            public int nextInt() {
                if (run >= first.length) {
                    throw new NoSuchElementException();
                }
                int v = (int) next;
                next += step[run];
                if (next > last[run]) {
                    run++;
                    next = run < first.length ? first[run] : 0;
                }
                return v;
            }
        };
    }

    @Override
    public Iterator<Integer> iterator() {
        PrimitiveIterator.OfInt it = indices();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Integer next() {
                return it.nextInt();
            }
        };
    }

    /** The runs, each {@code {first, last, step}}, in ascending order. */
    public List<int[]> runList() {
        List<int[]> out = new ArrayList<>(first.length);
        for (int r = 0; r < first.length; r++) {
            out.add(new int[] {first[r], last[r], step[r]});
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        if (o instanceof IndexSet s && Arrays.equals(first, s.first) && Arrays.equals(last, s.last)
                && Arrays.equals(step, s.step)) {
            return true;
        }
        if (o instanceof List<?> l && l.size() != size) {
            return false;
        }
        return super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }

    /** The text form: {@code 1-99:2,200,300-400}; empty for the empty set. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < first.length; r++) {
            if (r > 0) {
                b.append(',');
            }
            b.append(first[r]);
            if (last[r] != first[r]) {
                b.append('-').append(last[r]);
                if (step[r] != 1) {
                    b.append(':').append(step[r]);
                }
            }
        }
        return b.toString();
    }

    /**
     * Builds a set from indices or runs given in ascending order, joining each to the run before it when
     * it continues that run's step.
     */
    public static final class Builder {
        private int[] first = new int[4];
        private int[] last = new int[4];
        private int[] step = new int[4];
        private int runs;

        /** Adds one index, above every index added so far. */
        public Builder add(int index) {
            return addRun(index, index, 1);
        }

        /** Adds {@code first..last} by {@code step}, all above every index added so far. */
        public Builder addRun(int a, int z, int s) {
            if (z < a || s < 1 || (z - (long) a) % s != 0) {
                throw new IllegalArgumentException("should never happen: run " + a + "-" + z + ":" + s);
            }
            if (a == z) {
                s = 1;
            }
            if (runs > 0) {
                int p = runs - 1;
                if (a <= last[p]) {
                    throw new IllegalArgumentException("should never happen: run " + a + "-" + z + " after "
                            + last[p]);
                }
                boolean pSingle = first[p] == last[p];
                long gap = (long) a - last[p];
                // a single index takes the step of what follows it; a run takes a single index or a run of its step
                if (gap <= Integer.MAX_VALUE && (pSingle || gap == step[p]) && (a == z || s == gap)) {
                    if (pSingle) {
                        step[p] = (int) gap;
                    }
                    last[p] = z;
                    return this;
                }
            }
            if (runs == first.length) {
                first = Arrays.copyOf(first, runs * 2);
                last = Arrays.copyOf(last, runs * 2);
                step = Arrays.copyOf(step, runs * 2);
            }
            first[runs] = a;
            last[runs] = z;
            step[runs] = s;
            runs++;
            return this;
        }

        public IndexSet build() {
            if (runs == 0) {
                return EMPTY;
            }
            return new IndexSet(Arrays.copyOf(first, runs), Arrays.copyOf(last, runs), Arrays.copyOf(step, runs));
        }
    }
}
