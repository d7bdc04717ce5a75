package dev.hpc.api.job;

import dev.hpc.api.InvalidRequestException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.PrimitiveIterator;
import java.util.PriorityQueue;
import java.util.RandomAccess;
import java.util.Spliterator;
import java.util.Spliterators;

/**
 * Every task of an array job, in index order, as an immutable list: the tasks {@link #listed() listed} one by
 * one (those that started, or were acted on alone, and are not sealed), the {@link #unstarted()} ones, which
 * are built as they are read, and the ended tasks {@link #segments() sealed} in segments stored apart from
 * the job's body. A million unstarted tasks cost one {@link UnstartedTasks}; reading all of them builds a
 * million {@link Task} records, so code that only needs what differs between tasks reads {@link #forms}.
 */
public final class TaskList extends AbstractList<Task> implements RandomAccess {
    private final List<Task> listed;
    private final int[] listedIndex;
    private final UnstartedTasks unstarted;
    private final List<TaskSegment> segments;
    private final int sealedCount;
    /** The sealed tasks that decide the job's figures ({@link TaskSegment#deciding}). */
    private final List<Task> sealedDeciding;
    /** Every task in index order, built the first time one is asked for by position while segments exist. */
    private volatile Task[] all;

    private TaskList(List<Task> listed, UnstartedTasks unstarted, List<TaskSegment> segments) {
        this.listed = List.copyOf(listed);
        this.listedIndex = new int[this.listed.size()];
        this.unstarted = unstarted;
        this.segments = List.copyOf(segments);
        for (int i = 0; i < listedIndex.length; i++) {
            listedIndex[i] = this.listed.get(i).index();
            if (i > 0 && listedIndex[i] <= listedIndex[i - 1]) {
                throw new InvalidRequestException("the tasks of a job must be listed in ascending index order "
                        + "without repeats; index " + listedIndex[i] + " comes after " + listedIndex[i - 1]);
            }
            if (unstarted.indices().contains(listedIndex[i])) {
                throw new InvalidRequestException("task index " + listedIndex[i] + " is listed and also among the "
                        + "unstarted tasks");
            }
        }
        int sealed = 0;
        List<Task> deciding = new ArrayList<>();
        for (int i = 0; i < this.segments.size(); i++) {
            TaskSegment s = this.segments.get(i);
            if (s.number() != i) {
                throw new InvalidRequestException("segment " + s.number() + " of job " + s.job() + " is at place " + i
                        + "; a job's segments are numbered 0, 1, 2 ... in order");
            }
            sealed += s.size();
            deciding.addAll(s.deciding());
        }
        this.sealedCount = sealed;
        this.sealedDeciding = this.segments.isEmpty() ? List.of() : TaskSegment.deciding(deciding);
    }

    /** The listed tasks (in ascending index order, none of them among {@code unstarted}) and the unstarted ones. */
    public static TaskList of(List<Task> listed, UnstartedTasks unstarted) {
        return new TaskList(listed, unstarted, List.of());
    }

    /**
     * As {@link #of(List, UnstartedTasks)}, with ended tasks sealed in {@code segments} (numbered 0, 1, ...). The
     * state builds these and keeps them apart; that no index is in two places is checked by {@link #checked}.
     */
    public static TaskList of(List<Task> listed, UnstartedTasks unstarted, List<TaskSegment> segments) {
        return new TaskList(listed, unstarted, segments);
    }

    /** As {@link #of(List, UnstartedTasks, List)}, refusing an index held twice: for lists read from storage. */
    public static TaskList checked(List<Task> listed, UnstartedTasks unstarted, List<TaskSegment> segments) {
        TaskList list = new TaskList(listed, unstarted, segments);
        if (!segments.isEmpty()) {
            int[] all = new int[list.listed.size() + list.sealedCount];
            int n = 0;
            for (int i : list.listedIndex) {
                all[n++] = i;
            }
            for (TaskSegment s : list.segments) {
                for (Task t : s.tasks()) {
                    if (unstarted.indices().contains(t.index())) {
                        throw new InvalidRequestException("task index " + t.index() + " is sealed in " + s
                                + " and also among the unstarted tasks");
                    }
                    all[n++] = t.index();
                }
            }
            Arrays.sort(all);
            for (int i = 1; i < all.length; i++) {
                if (all[i] == all[i - 1]) {
                    throw new InvalidRequestException("task index " + all[i] + " is held twice among the listed "
                            + "and sealed tasks of a job");
                }
            }
        }
        return list;
    }

    /** A list that is already immutable stays as it is; any other list is copied. */
    public static List<Task> copyOf(List<Task> tasks) {
        return tasks instanceof TaskList ? tasks : List.copyOf(tasks);
    }

    /** The tasks kept one by one and not sealed, in index order. */
    public static List<Task> listed(List<Task> tasks) {
        return tasks instanceof TaskList t ? t.listed : tasks;
    }

    /** The segments of sealed ended tasks of a list; none for a list that is not a {@code TaskList}. */
    public static List<TaskSegment> segments(List<Task> tasks) {
        return tasks instanceof TaskList t ? t.segments : List.of();
    }

    /** The few sealed tasks that decide the job's figures ({@link TaskSegment#deciding}); none when none is sealed. */
    public static List<Task> sealedDeciding(List<Task> tasks) {
        return tasks instanceof TaskList t ? t.sealedDeciding : List.of();
    }

    /** Every task that started or was acted on alone, sealed or not, in index order: all but the unstarted. */
    public static Iterable<Task> oneByOne(List<Task> tasks) {
        if (!(tasks instanceof TaskList t) || t.segments.isEmpty()) {
            return listed(tasks);
        }
        return () -> t.merged(false);
    }

    /**
     * What the tasks of a list hold, in index order, with the unstarted tasks of a {@link TaskList} standing as
     * one, at the place of the first of them, and sealed tasks by the few that decide a figure: enough for any
     * figure over all tasks that alike tasks give alike (the state of the job, its first non-zero exit status,
     * its times, its comment).
     */
    public static List<Task> forms(List<Task> tasks) {
        if (!(tasks instanceof TaskList t)) {
            return tasks;
        }
        if (t.unstarted.isEmpty() && t.segments.isEmpty()) {
            return t.listed;
        }
        List<Task> out = new ArrayList<>(t.listed.size() + 1 + t.sealedDeciding.size());
        out.addAll(t.listed);
        if (!t.unstarted.isEmpty()) {
            out.add(t.unstarted.task(t.unstarted.indices().firstIndex()));
        }
        out.addAll(t.sealedDeciding);
        out.sort((a, b) -> Integer.compare(a.index(), b.index()));
        return out;
    }

    public List<Task> listed() {
        return listed;
    }

    public UnstartedTasks unstarted() {
        return unstarted;
    }

    public List<TaskSegment> segments() {
        return segments;
    }

    @Override
    public int size() {
        return listed.size() + unstarted.count() + sealedCount;
    }

    @Override
    public Task get(int position) {
        if (position < 0 || position >= size()) {
            throw new IndexOutOfBoundsException("position " + position + " of " + size());
        }
        if (!segments.isEmpty()) {
            Task[] every = all;
            if (every == null) {
                every = new Task[size()];
                int i = 0;
                for (Task t : this) {
                    every[i++] = t;
                }
                all = every;
            }
            return every[position];
        }
        if (unstarted.isEmpty()) {
            return listed.get(position);
        }
        // the first listed task whose place in the whole list is at or after position
        int lo = 0;
        int hi = listedIndex.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (mid + unstarted.indices().rank(listedIndex[mid]) < position) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo < listedIndex.length && lo + unstarted.indices().rank(listedIndex[lo]) == position) {
            return listed.get(lo);
        }
        return unstarted.task(unstarted.indices().index(position - lo));
    }

    /** The task with this index, if the job has it. */
    public Optional<Task> byIndex(int index) {
        int at = Arrays.binarySearch(listedIndex, index);
        if (at >= 0) {
            return Optional.of(listed.get(at));
        }
        if (unstarted.indices().contains(index)) {
            return Optional.of(unstarted.task(index));
        }
        for (TaskSegment s : segments) {
            Task t = s.byIndex(index);
            if (t != null) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Streams walk the list as its iterator does, not by position. */
    @Override
    public Spliterator<Task> spliterator() {
        return Spliterators.spliterator(iterator(), size(), Spliterator.ORDERED | Spliterator.IMMUTABLE
                | Spliterator.NONNULL);
    }

    @Override
    public Iterator<Task> iterator() {
        return merged(true);
    }

    /** The tasks in index order, the unstarted ones among them or not. */
    private Iterator<Task> merged(boolean withUnstarted) {
        PriorityQueue<Cursor> heads = new PriorityQueue<>(segments.size() + 2,
                (a, b) -> Integer.compare(a.index, b.index));
        Cursor.offer(heads, new Cursor(listed.iterator()));
        if (withUnstarted && !unstarted.isEmpty()) {
            PrimitiveIterator.OfInt indices = unstarted.indices().indices();
            Cursor.offer(heads, new Cursor(new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return indices.hasNext();
                }

                @Override
                public Task next() {
                    return unstarted.task(indices.nextInt());
                }
            }));
        }
        for (TaskSegment s : segments) {
            Cursor.offer(heads, new Cursor(s.tasks().iterator()));
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !heads.isEmpty();
            }

            @Override
            public Task next() {
                Cursor c = heads.poll();
                if (c == null) {
                    throw new NoSuchElementException();
                }
                Task t = c.task;
                Cursor.offer(heads, c);
                return t;
            }
        };
    }

    /** One sorted source of tasks and its next task; its index orders the sources. */
    private static final class Cursor {
        private final Iterator<Task> rest;
        private Task task;
        private int index;

        Cursor(Iterator<Task> rest) {
            this.rest = rest;
        }

        /** Moves the cursor on and puts it back among the heads, unless its source is done. */
        static void offer(PriorityQueue<Cursor> heads, Cursor c) {
            if (c.rest.hasNext()) {
                c.task = c.rest.next();
                c.index = c.task.index();
                heads.add(c);
            }
        }
    }
}
