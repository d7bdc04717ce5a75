package dev.hpc.head.sched;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
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
 * @param recurrence  a standing reservation's rule ({@code pbs_rsub -r "FREQ=WEEKLY;BYDAY=MO;COUNT=4"}), or ""
 * @param later       the starts of a standing reservation's occurrences after this one, each as long as this
 *                    window; when this window ends the next one becomes the reservation's window
 * @param occurrence  which occurrence this window is, from 1
 */
public record Reservation(long number, String name, String owner, Instant start, Instant end, Set<String> nodes,
                          int coresPerNode, Set<String> users, boolean maintenance, String recurrence,
                          List<Instant> later, int occurrence) {

    public Reservation {
        nodes = Collections.unmodifiableSet(new TreeSet<>(nodes));
        users = Collections.unmodifiableSet(new TreeSet<>(users));
        later = List.copyOf(later);
    }

    /** A reservation with one window. */
    public Reservation(long number, String name, String owner, Instant start, Instant end, Set<String> nodes,
                       int coresPerNode, Set<String> users, boolean maintenance) {
        this(number, name, owner, start, end, nodes, coresPerNode, users, maintenance, "", List.of(), 1);
    }

    /** Whether it stands: more windows follow this one. */
    public boolean standing() {
        return !recurrence.isEmpty();
    }

    /** Every window from this one on, as {start, end} in epoch milliseconds. */
    public List<long[]> windows() {
        long length = end.toEpochMilli() - start.toEpochMilli();
        List<long[]> out = new ArrayList<>(1 + later.size());
        out.add(new long[] {start.toEpochMilli(), end.toEpochMilli()});
        for (Instant s : later) {
            out.add(new long[] {s.toEpochMilli(), s.toEpochMilli() + length});
        }
        return out;
    }

    /** The reservation moved on to its next window, or empty when this was its last. */
    public Optional<Reservation> next() {
        if (later.isEmpty()) {
            return Optional.empty();
        }
        Duration length = Duration.between(start, end);
        Instant s = later.get(0);
        return Optional.of(new Reservation(number, name, owner, s, s.plus(length), nodes, coresPerNode,
                users, maintenance, recurrence, later.subList(1, later.size()), occurrence + 1));
    }

    /** How many windows it has in all, those past included. */
    public int occurrences() {
        return occurrence + later.size();
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

    /** Whether any of its windows from this one on overlaps {@code [fromMillis, untilMillis)}. */
    public boolean overlaps(long fromMillis, long untilMillis) {
        for (long[] w : windows()) {
            if (w[0] < untilMillis && fromMillis < w[1]) {
                return true;
            }
        }
        return false;
    }

    public boolean admits(String user) {
        return user.equals(owner) || users.contains(user);
    }
}
