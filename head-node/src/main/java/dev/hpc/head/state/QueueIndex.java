package dev.hpc.head.state;

import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The queued tasks, in groups of one queue, owner and job priority, each group in job number order
 * (then index). The scheduler merges the groups by priority (docs/scheduling.md), so the state never
 * sorts the whole queue. A task's group comes from its job's spec: a job whose spec changes
 * ({@code qalter}) has its tasks removed before the change and added after.
 */
final class QueueIndex implements Iterable<TaskEntry> {
    static final Comparator<TaskEntry> NUMBER_ORDER = Comparator
            .comparingLong((TaskEntry t) -> t.job.id.number())
            .thenComparingInt(t -> t.index);

    record Group(String queue, String owner, int priority) implements Comparable<Group> {
        @Override
        public int compareTo(Group o) {
            int c = queue.compareTo(o.queue);
            if (c == 0) {
                c = owner.compareTo(o.owner);
            }
            return c != 0 ? c : Integer.compare(o.priority, priority);
        }
    }

    private final TreeMap<Group, TreeSet<TaskEntry>> groups = new TreeMap<>();
    private int size;

    private static Group groupOf(TaskEntry t) {
        return new Group(t.job.spec.queue(), t.job.spec.owner(), t.job.spec.priority());
    }

    boolean add(TaskEntry t) {
        boolean added = groups.computeIfAbsent(groupOf(t), g -> new TreeSet<>(NUMBER_ORDER)).add(t);
        if (added) {
            size++;
        }
        return added;
    }

    boolean remove(TaskEntry t) {
        Group g = groupOf(t);
        TreeSet<TaskEntry> set = groups.get(g);
        if (set == null || !set.remove(t)) {
            return false;
        }
        if (set.isEmpty()) {
            groups.remove(g);
        }
        size--;
        return true;
    }

    boolean contains(TaskEntry t) {
        TreeSet<TaskEntry> set = groups.get(groupOf(t));
        return set != null && set.contains(t);
    }

    int size() {
        return size;
    }

    NavigableMap<Group, TreeSet<TaskEntry>> groups() {
        return java.util.Collections.unmodifiableNavigableMap(groups);
    }

    /** Every queued task, group by group. */
    @Override
    public Iterator<TaskEntry> iterator() {
        return groups.values().stream().flatMap(TreeSet::stream).iterator();
    }

    /** The number of queued tasks per queue name. */
    Map<String, Integer> sizesByQueue() {
        Map<String, Integer> out = new TreeMap<>();
        groups.forEach((g, set) -> out.merge(g.queue(), set.size(), Integer::sum));
        return out;
    }
}
