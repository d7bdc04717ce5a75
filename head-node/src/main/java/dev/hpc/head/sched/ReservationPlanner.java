package dev.hpc.head.sched;

import dev.hpc.api.job.NodeSlot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Confirms a reservation: chooses the nodes that have the asked cores free for the whole window, given
 * the running work (expected to hold its cores until start plus walltime; work without an expected end
 * holds them for ever) and the reservations already made. Queued work does not count: a reservation
 * goes before it, as in PBS. Pure, like the scheduler.
 */
public final class ReservationPlanner {
    private ReservationPlanner() {
    }

    /** The nodes chosen, or why there are not enough. */
    public record Result(List<String> nodes, String refusal) {
        public boolean placed() {
            return refusal.isEmpty();
        }
    }

    public static Result place(List<NodeCapacity> nodes, List<RunningTask> running, Map<String, QueueDef> queues,
                               List<Reservation> existing, Instant start, Instant end, int count, int cores) {
        return placeEvery(nodes, running, queues, existing, List.of(new long[] {start.toEpochMilli(),
                end.toEpochMilli()}), count, cores);
    }

    /**
     * As {@link #place(List, List, Map, List, Instant, Instant, int, int)} for every window of a standing
     * reservation ({start, end} in epoch milliseconds, the first one first): the nodes chosen have the cores free
     * in each of them.
     */
    public static Result placeEvery(List<NodeCapacity> nodes, List<RunningTask> running, Map<String, QueueDef> queues,
                                    List<Reservation> existing, List<long[]> windows, int count, int cores) {
        Map<String, Reservation> byQueue = new HashMap<>();
        for (Reservation r : existing) {
            byQueue.put(r.queue(), r);
        }
        Set<String> freeInAll = null;
        Map<String, Integer> mostBusy = new HashMap<>();
        for (long[] w : windows) {
            Map<String, Integer> busy = new HashMap<>();
            for (RunningTask t : running) {
                if (byQueue.containsKey(t.queue())) {
                    continue; // inside its reservation's cores, counted below
                }
                Duration wall = t.walltime();
                if (wall.isZero() && queues.containsKey(t.queue())) {
                    wall = queues.get(t.queue()).maxWalltime();
                }
                boolean pastStart = wall.isZero() || t.start().plus(wall).toEpochMilli() > w[0];
                if (pastStart) {
                    for (NodeSlot s : t.slots()) {
                        busy.merge(s.node(), s.cores(), Integer::sum);
                    }
                }
            }
            for (Reservation r : existing) {
                if (r.overlaps(w[0], w[1])) {
                    for (String n : r.nodes()) {
                        busy.merge(n, r.coresPerNode(), Integer::sum);
                    }
                }
            }
            Set<String> free = new HashSet<>();
            for (NodeCapacity n : nodes) {
                if (n.schedulable() && n.cores() - busy.getOrDefault(n.name(), 0) >= cores) {
                    free.add(n.name());
                }
            }
            busy.forEach((n, b) -> mostBusy.merge(n, b, Math::max));
            if (freeInAll == null) {
                freeInAll = free;
            } else {
                freeInAll.retainAll(free);
            }
        }
        List<NodeCapacity> candidates = new ArrayList<>();
        for (NodeCapacity n : nodes) {
            if (freeInAll != null && freeInAll.contains(n.name())) {
                candidates.add(n);
            }
        }
        if (candidates.size() < count) {
            long big = nodes.stream().filter(n -> n.schedulable() && n.cores() >= cores).count();
            Instant from = Instant.ofEpochMilli(windows.get(0)[0]);
            Instant to = Instant.ofEpochMilli(windows.get(0)[1]);
            return new Result(List.of(), "cannot confirm the reservation: it needs " + count + " node(s) with "
                    + cores + " cores free from " + from + " to " + to + (windows.size() > 1 ? " and in each of its "
                    + (windows.size() - 1) + " later windows" : "") + ", but only " + candidates.size()
                    + " node(s) are free then (" + big + " up with that many cores; the others are held by running "
                    + "jobs expected past the start, jobs without a walltime, or other reservations); ask for fewer "
                    + "nodes or cores, or another window");
        }
        // the least busy first, then name: the reservation spreads over idle nodes
        candidates.sort(Comparator.comparingInt((NodeCapacity n) -> mostBusy.getOrDefault(n.name(), 0))
                .thenComparing(NodeCapacity::name));
        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            chosen.add(candidates.get(i).name());
        }
        return new Result(List.copyOf(chosen), "");
    }

    /** The reservations of these names' queues, by queue; for callers that resolve a queue name. */
    public static Map<String, Reservation> byQueue(List<Reservation> all) {
        Map<String, Reservation> out = new TreeMap<>();
        for (Reservation r : all) {
            out.put(r.queue(), r);
        }
        return out;
    }
}
