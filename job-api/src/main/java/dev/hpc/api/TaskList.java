package dev.hpc.api;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;
import java.util.RandomAccess;

/**
 * Every task of an array job, in index order, as an immutable list: the tasks {@link #listed() listed} one by
 * one (those that started, or were acted on alone) and the {@link #unstarted()} ones, which are built as they
 * are read. A million unstarted tasks cost one {@link UnstartedTasks}; reading all of them builds a million
 * {@link Task} records, so code that only needs what differs between tasks reads {@link #forms}.
 */
public final class TaskList extends AbstractList<Task> implements RandomAccess {
    private final List<Task> listed;
    private final int[] listedIndex;
    private final UnstartedTasks unstarted;

    private TaskList(List<Task> listed, UnstartedTasks unstarted) {
        this.listed = List.copyOf(listed);
        this.listedIndex = new int[this.listed.size()];
        this.unstarted = unstarted;
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
    }

    /** The listed tasks (in ascending index order, none of them among {@code unstarted}) and the unstarted ones. */
    public static TaskList of(List<Task> listed, UnstartedTasks unstarted) {
        return new TaskList(listed, unstarted);
    }

    /** A list that is already immutable stays as it is; any other list is copied. */
    public static List<Task> copyOf(List<Task> tasks) {
        return tasks instanceof TaskList ? tasks : List.copyOf(tasks);
    }

    /** The tasks kept one by one, in index order. */
    public static List<Task> listed(List<Task> tasks) {
        return tasks instanceof TaskList t ? t.listed : tasks;
    }

    /**
     * What the tasks of a list hold, in index order, with the unstarted tasks of a {@link TaskList} standing as
     * one, at the place of the first of them: enough for any figure over all tasks that alike tasks give alike
     * (the state of the job, its first non-zero exit status, its times, its comment).
     */
    public static List<Task> forms(List<Task> tasks) {
        if (!(tasks instanceof TaskList t) || t.unstarted.isEmpty()) {
            return tasks instanceof TaskList t2 ? t2.listed : tasks;
        }
        int first = t.unstarted.indices().firstIndex();
        List<Task> out = new ArrayList<>(t.listed.size() + 1);
        boolean placed = false;
        for (Task task : t.listed) {
            if (!placed && task.index() > first) {
                out.add(t.unstarted.task(first));
                placed = true;
            }
            out.add(task);
        }
        if (!placed) {
            out.add(t.unstarted.task(first));
        }
        return out;
    }

    public List<Task> listed() {
        return listed;
    }

    public UnstartedTasks unstarted() {
        return unstarted;
    }

    @Override
    public int size() {
        return listed.size() + unstarted.count();
    }

    @Override
    public Task get(int position) {
        if (position < 0 || position >= size()) {
            throw new IndexOutOfBoundsException("position " + position + " of " + size());
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
    public java.util.Optional<Task> byIndex(int index) {
        int at = java.util.Arrays.binarySearch(listedIndex, index);
        if (at >= 0) {
            return java.util.Optional.of(listed.get(at));
        }
        return unstarted.indices().contains(index) ? java.util.Optional.of(unstarted.task(index))
                : java.util.Optional.empty();
    }

    /** Streams walk the list as its iterator does, not by position. */
    @Override
    public java.util.Spliterator<Task> spliterator() {
        return java.util.Spliterators.spliterator(iterator(), size(), java.util.Spliterator.ORDERED
                | java.util.Spliterator.IMMUTABLE | java.util.Spliterator.NONNULL);
    }

    @Override
    public Iterator<Task> iterator() {
        return new Iterator<>() {
            private int next;
            private final PrimitiveIterator.OfInt rest = unstarted.indices().indices();
            private boolean restHas = rest.hasNext();
            private int restIndex = restHas ? rest.nextInt() : 0;

            @Override
            public boolean hasNext() {
                return next < listedIndex.length || restHas;
            }

            @Override
            public Task next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                if (next < listedIndex.length && (!restHas || listedIndex[next] < restIndex)) {
                    return listed.get(next++);
                }
                Task t = unstarted.task(restIndex);
                restHas = rest.hasNext();
                restIndex = restHas ? rest.nextInt() : 0;
                return t;
            }
        };
    }
}
