package dev.hpc.head.sched;

import java.time.Instant;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * An advance reservation: {@code coresPerNode} cores on each of {@code nodes}, from {@code start} to
 * {@code end}, for the jobs of its own queue ({@link #queue()}, {@code R42}). Inside the window the
 * reserved cores serve only those jobs; outside it those jobs do not run. Other work may use the nodes
 * before the window only when it is expected to end by {@code start}. Cores only: memory and generic
 * resources are not reserved.
 *
 * @param users       who may submit to its queue besides its owner (empty: only the owner)
 * @param maintenance an administrator's reservation of whole named nodes ({@code pbs_rsub --hosts}), made
 *                    whatever runs there: the nodes drain ahead of it (no job starts there that would still run
 *                    at its start) and take only its queue's jobs in the window
 */
public record Reservation(long number, String name, String owner, Instant start, Instant end, Set<String> nodes,
                          int coresPerNode, Set<String> users, boolean maintenance) {

    public Reservation {
        nodes = Collections.unmodifiableSet(new TreeSet<>(nodes));
        users = Collections.unmodifiableSet(new TreeSet<>(users));
    }

    /** A reservation of cores chosen by the planner, not a maintenance one. */
    public Reservation(long number, String name, String owner, Instant start, Instant end, Set<String> nodes,
                       int coresPerNode, Set<String> users) {
        this(number, name, owner, start, end, nodes, coresPerNode, users, false);
    }

    /** The queue of its jobs, named like its id: {@code R42}. */
    public String queue() {
        return queueName(number);
    }

    public static String queueName(long number) {
        return "R" + number;
    }

    /** Whether the window holds {@code t}. */
    public boolean activeAt(Instant t) {
        return !t.isBefore(start) && t.isBefore(end);
    }

    /** Whether the window ends at or before {@code t}. */
    public boolean endedBy(Instant t) {
        return !end.isAfter(t);
    }

    boolean overlaps(long fromMillis, long untilMillis) {
        return start.toEpochMilli() < untilMillis && fromMillis < end.toEpochMilli();
    }

    public boolean admits(String user) {
        return user.equals(owner) || users.contains(user);
    }
}
