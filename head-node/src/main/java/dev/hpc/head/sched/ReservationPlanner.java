package dev.hpc.head.sched;

import dev.hpc.api.NodeSlot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
        Map<String, Integer> busy = new HashMap<>();
        Map<String, Reservation> byQueue = new HashMap<>();
        for (Reservation r : existing) {
            byQueue.put(r.queue(), r);
        }
        for (RunningTask t : running) {
            if (byQueue.containsKey(t.queue())) {
                continue; // inside its reservation's cores, counted below
            }
            Duration w = t.walltime();
            if (w.isZero() && queues.containsKey(t.queue())) {
                w = queues.get(t.queue()).maxWalltime();
            }
            boolean pastStart = w.isZero() || t.start().plus(w).isAfter(start);
            if (pastStart) {
                for (NodeSlot s : t.slots()) {
                    busy.merge(s.node(), s.cores(), Integer::sum);
                }
            }
        }
        long from = start.toEpochMilli();
        long until = end.toEpochMilli();
        for (Reservation r : existing) {
            if (r.overlaps(from, until)) {
                for (String n : r.nodes()) {
                    busy.merge(n, r.coresPerNode(), Integer::sum);
                }
            }
        }
        List<NodeCapacity> candidates = new ArrayList<>();
        for (NodeCapacity n : nodes) {
            if (n.schedulable() && n.cores() - busy.getOrDefault(n.name(), 0) >= cores) {
                candidates.add(n);
            }
        }
        if (candidates.size() < count) {
            long big = nodes.stream().filter(n -> n.schedulable() && n.cores() >= cores).count();
            return new Result(List.of(), "cannot confirm the reservation: it needs " + count + " node(s) with "
                    + cores + " cores free from " + start + " to " + end + ", but only " + candidates.size()
                    + " node(s) are free then (" + big + " up with that many cores; the others are held by running "
                    + "jobs expected past the start, jobs without a walltime, or other reservations); ask for fewer "
                    + "nodes or cores, or another window");
        }
        // the least busy first, then name: the reservation spreads over idle nodes
        candidates.sort(Comparator.comparingInt((NodeCapacity n) -> busy.getOrDefault(n.name(), 0))
                .thenComparing(NodeCapacity::name));
        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            chosen.add(candidates.get(i).name());
        }
        return new Result(List.copyOf(chosen), "");
    }

    /** The reservations of these names' queues, by queue; for callers that resolve a queue name. */
    public static Map<String, Reservation> byQueue(List<Reservation> all) {
        Map<String, Reservation> out = new java.util.TreeMap<>();
        for (Reservation r : all) {
            out.put(r.queue(), r);
        }
        return out;
    }
}
