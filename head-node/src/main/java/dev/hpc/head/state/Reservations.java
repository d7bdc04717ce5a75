package dev.hpc.head.state;

import dev.hpc.head.sched.ClusterSnapshot;
import dev.hpc.head.sched.NodeCapacity;
import dev.hpc.head.sched.QueueDef;
import dev.hpc.head.sched.Recurrence;
import dev.hpc.head.sched.Reservation;
import dev.hpc.head.sched.ReservationPlanner;
import dev.hpc.head.sched.ReservationSettings;
import dev.hpc.head.sched.RunningTask;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The advance reservations not yet ended (docs/scheduling.md): {@code pbs_rsub}, {@code pbs_ralter} and
 * {@code pbs_rdel} checked against the nodes, the running work and each other, and the windows that end.
 */
final class Reservations {
    private final String cluster;
    private final Versions versions;
    /** By number. */
    private final TreeMap<Long, Reservation> reservations = new TreeMap<>();
    private long reservationsVersion;
    private long nextReservation = 1;

    Reservations(String cluster, Versions versions) {
        this.cluster = cluster;
        this.versions = versions;
    }

    /** The reservations not yet ended, in number order. */
    List<Reservation> all() {
        return List.copyOf(reservations.values());
    }

    /** Whether a reservation's window has ended by {@code now}: an {@link Command.EndReservations} is due. */
    boolean anyEndedBy(Instant now) {
        return reservations.values().stream().anyMatch(r -> r.endedBy(now));
    }

    /** The reservations as the store or a replica holds them ({@link ReservationSettings}). */
    void restore(String body) {
        ReservationSettings.Stored stored = ReservationSettings.read(body);
        reservations.clear();
        stored.reservations().forEach(r -> reservations.put(r.number(), r));
        nextReservation = stored.next();
        reservationsVersion = stored.version();
    }

    /** The committed reservations' body, once any was made; for a recommit of everything. */
    Optional<String> committedBody() {
        return reservationsVersion > 0 ? Optional.of(reservationsBody()) : Optional.empty();
    }

    private String reservationsBody() {
        return ReservationSettings.body(List.copyOf(reservations.values()), nextReservation,
                reservationsVersion);
    }

    /** The reservations' body at a new version, after a change. */
    String changed() {
        reservationsVersion = versions.after(reservationsVersion);
        return reservationsBody();
    }

    /** {@code pbs_rsub}: a new reservation, confirmed when its nodes hold it beside the running work and the others. */
    Reservation reserve(Command.Reserve c, Supplier<ClusterSnapshot> viewNow, Map<String, QueueDef> queues) {
        if (!c.end().isAfter(c.start())) {
            throw Rejection.badRequest("the reservation ends (" + c.end() + ") before it starts (" + c.start()
                    + "); give an end after the start (-E) or a duration (-D)");
        }
        if (!c.end().isAfter(c.now())) {
            throw Rejection.badRequest("the reservation's window (" + c.start() + " to " + c.end()
                    + ") is over already; give a window that ends in the future");
        }
        long length = c.end().toEpochMilli() - c.start().toEpochMilli();
        Instant asked = c.start();
        List<Instant> later = List.of();
        if (!c.recurrence().isBlank()) {
            try {
                // the first window is the rule's first occurrence: -R on a day the rule does not name moves it
                List<Instant> starts = Recurrence.starts(c.recurrence(), c.start(), c.zone());
                asked = starts.get(0);
                later = starts.subList(1, starts.size());
            } catch (IllegalArgumentException e) {
                throw Rejection.badRequest(e.getMessage());
            }
        }
        Instant end = asked.plusMillis(length);
        Instant start = asked.isBefore(c.now()) ? c.now() : asked;
        List<long[]> windows = new ArrayList<>();
        windows.add(new long[] {start.toEpochMilli(), end.toEpochMilli()});
        later.forEach(s -> windows.add(new long[] {s.toEpochMilli(), s.toEpochMilli() + length}));
        ClusterSnapshot view = viewNow.get();
        if (!c.hosts().isEmpty()) {
            return reserveHosts(c, start, windows, later, view);
        }
        if (c.nodes() < 1 || c.coresPerNode() < 1) {
            throw Rejection.badRequest("a reservation needs at least one node and one core per node "
                    + "(-l select=N:ncpus=C)");
        }
        ReservationPlanner.Result placed = ReservationPlanner.placeEvery(
                view.nodes(), view.running(), queues, all(), windows, c.nodes(), c.coresPerNode());
        if (!placed.placed()) {
            throw Rejection.notAllowed(placed.refusal());
        }
        long number = nextReservation++;
        Reservation r = new Reservation(number, c.name(), c.owner(), start,
                end, new TreeSet<>(placed.nodes()), c.coresPerNode(), c.users(), false,
                c.recurrence().strip(), later, 1);
        reservations.put(number, r);
        return r;
    }

    /**
     * A maintenance reservation ({@code pbs_rsub --hosts}), as OpenPBS makes one: every core of the named nodes,
     * confirmed whatever runs there now (those jobs go on; no job starts there that would still run at its
     * start), refused only when another reservation holds one of the nodes in the window.
     */
    private Reservation reserveHosts(Command.Reserve c, Instant start, List<long[]> windows, List<Instant> later,
                                     ClusterSnapshot view) {
        if (!c.admin()) {
            throw Rejection.forbidden("a maintenance reservation (--hosts) is for administrators: "
                    + c.owner() + " may reserve cores with -l select=N:ncpus=C instead");
        }
        Map<String, Integer> coresOf = new TreeMap<>();
        view.nodes().forEach(n -> coresOf.put(n.name(), n.cores()));
        List<String> unknown = c.hosts().stream().filter(h -> !coresOf.containsKey(h)).toList();
        if (!unknown.isEmpty()) {
            throw Rejection.badRequest("no node is called " + String.join(", ", unknown) + "; name nodes as "
                    + "pbsnodes -a lists them");
        }
        for (Reservation other : reservations.values()) {
            List<String> shared = c.hosts().stream().filter(other.nodes()::contains).toList();
            if (!shared.isEmpty() && windows.stream().anyMatch(w -> other.overlaps(w[0], w[1]))) {
                throw Rejection.notAllowed("cannot confirm the maintenance reservation: reservation "
                        + other.queue() + " holds " + String.join(", ", shared) + " from " + other.start() + " to "
                        + other.end() + "; delete it first (pbs_rdel " + other.queue() + ") or choose another window");
            }
        }
        int cores = c.hosts().stream().mapToInt(coresOf::get).max().orElse(1);
        long number = nextReservation++;
        Reservation r = new Reservation(number, c.name(), c.owner(), start,
                Instant.ofEpochMilli(windows.get(0)[1]), new TreeSet<>(c.hosts()), cores, c.users(), true,
                c.recurrence().strip(), later, 1);
        reservations.put(number, r);
        return r;
    }

    private Reservation ownReservation(long number, String user, boolean admin, String what) {
        Reservation r = reservations.get(number);
        if (r == null) {
            throw Rejection.unknownReservation("reservation "
                    + Reservation.queueName(number) + "." + cluster + " does not exist (or "
                    + "has ended); pbs_rstat lists the reservations");
        }
        if (!admin && !r.owner().equals(user)) {
            throw Rejection.forbidden("reservation " + r.queue() + " is " + r.owner() + "'s; only "
                    + "its owner or an administrator may " + what + " it");
        }
        return r;
    }

    /** {@code pbs_rdel}: the reservation goes; its queue's jobs are the caller's to delete. */
    Reservation remove(Command.Unreserve c) {
        Reservation r = ownReservation(c.number(), c.user(), c.admin(), "delete");
        reservations.remove(r.number());
        return r;
    }

    /**
     * {@code pbs_ralter}: the reservation gets the new window only when its nodes (or, for one not begun, any nodes)
     * hold it beside the running work and the other reservations, as at {@code pbs_rsub}; one that has begun may
     * only have its end moved, as in OpenPBS. Refused whole otherwise.
     */
    Reservation alter(Command.AlterReservation c, Supplier<ClusterSnapshot> viewNow, Map<String, QueueDef> queues) {
        Reservation r = ownReservation(c.number(), c.user(), c.admin(), "change");
        if (c.start().isEmpty() && c.end().isEmpty() && c.duration().isEmpty()) {
            throw Rejection.badRequest("say what to change of reservation " + r.queue() + ": a new start "
                    + "(-R), end (-E) or duration (-D)");
        }
        if (r.standing()) {
            throw Rejection.notAllowed("reservation " + r.queue() + " is a standing one (" + r.recurrence()
                    + "); pbs_ralter changes reservations of one window: delete it (pbs_rdel " + r.queue()
                    + ") and make it again with the windows you want");
        }
        Instant start = c.start().orElse(r.start());
        Instant end;
        if (c.end().isPresent()) {
            end = c.end().get();
            if (c.duration().isPresent() && c.start().isEmpty()) {
                start = end.minus(c.duration().get()); // -E and -D: the window ends then and lasts that long
            } else if (c.duration().isPresent() && !Duration.between(start, end).equals(c.duration().get())) {
                throw Rejection.badRequest("-R, -E and -D disagree: from " + start + " to " + end + " is not "
                        + c.duration().get().toSeconds() + " seconds; give two of them");
            }
        } else if (c.duration().isPresent()) {
            end = start.plus(c.duration().get());
        } else {
            end = start.plus(Duration.between(r.start(), r.end())); // a new start alone keeps the length
        }
        boolean begun = !r.start().isAfter(c.now());
        if (begun && !start.equals(r.start())) {
            throw Rejection.notAllowed("reservation " + r.queue() + " began at " + r.start() + "; only its end "
                    + "may be moved now (-E, or -D for a new length from its start), not its start");
        }
        if (!begun && start.isBefore(c.now())) {
            start = c.now(); // as at pbs_rsub: a start in the past is now
        }
        if (!end.isAfter(start)) {
            throw Rejection.badRequest("the new window of reservation " + r.queue() + " ends (" + end
                    + ") before it starts (" + start + "); give an end after the start (-E) or a duration (-D)");
        }
        if (!end.isAfter(c.now())) {
            throw Rejection.badRequest("the new end of reservation " + r.queue() + " (" + end + ") is past; "
                    + "give an end in the future, or delete the reservation (pbs_rdel " + r.queue() + ")");
        }
        List<long[]> window = List.<long[]>of(new long[] {start.toEpochMilli(), end.toEpochMilli()});
        List<Reservation> others = reservations.values().stream()
                .filter(o -> o.number() != r.number()).toList();
        ClusterSnapshot view = viewNow.get();
        Set<String> nodesNow = r.nodes();
        if (r.maintenance()) {
            for (Reservation other : others) {
                List<String> shared = r.nodes().stream().filter(other.nodes()::contains).toList();
                if (!shared.isEmpty() && other.overlaps(window.get(0)[0], window.get(0)[1])) {
                    throw Rejection.notAllowed("cannot move reservation " + r.queue() + " to " + start + " - "
                            + end + ": reservation " + other.queue() + " holds " + String.join(", ", shared)
                            + " from " + other.start() + " to " + other.end() + "; choose another window");
                }
            }
        } else {
            // its own running jobs hold its cores, not others': they do not count against it
            List<RunningTask> otherWork = view.running().stream()
                    .filter(t -> !t.queue().equals(r.queue())).toList();
            List<NodeCapacity> itsNodes = view.nodes().stream().filter(n -> r.nodes().contains(n.name())).toList();
            ReservationPlanner.Result placed = ReservationPlanner.placeEvery(
                    itsNodes, otherWork, queues, others, window, r.nodes().size(), r.coresPerNode());
            if (!placed.placed() && !begun) {
                // not begun, none of its jobs runs: it may move to other nodes, as a new reservation would
                placed = ReservationPlanner.placeEvery(view.nodes(), otherWork, queues, others,
                        window, r.nodes().size(), r.coresPerNode());
            }
            if (!placed.placed()) {
                throw Rejection.notAllowed("reservation " + r.queue() + " keeps its window (" + r.start()
                        + " to " + r.end() + "): " + placed.refusal().replace("cannot confirm the reservation",
                        "the new one cannot be confirmed") + (begun ? " (it has begun: it stays on its nodes "
                        + String.join(", ", r.nodes()) + ")" : ""));
            }
            nodesNow = new TreeSet<>(placed.nodes());
        }
        Reservation moved = new Reservation(r.number(), r.name(), r.owner(),
                start, end, nodesNow, r.coresPerNode(), r.users(), r.maintenance(), r.recurrence(), r.later(),
                r.occurrence());
        reservations.put(r.number(), moved);
        return moved;
    }

    /**
     * A reservation whose window ended by now: it is gone, or, standing, has gone on to its next window; either
     * way its queue's jobs are the caller's to end (all of them when it is gone, the running ones otherwise).
     */
    record Ended(Reservation reservation, boolean goesOn) {
    }

    /** Ends the windows over by {@code now}: one-off reservations go, standing ones go on to their next window. */
    List<Ended> endBy(Instant now) {
        List<Ended> out = new ArrayList<>();
        for (Reservation r : reservations.values().stream().filter(x -> x.endedBy(now)).toList()) {
            Optional<Reservation> next = r.next();
            while (next.isPresent() && next.get().endedBy(now)) {
                next = next.get().next(); // windows missed while no head ran
            }
            if (next.isEmpty()) {
                reservations.remove(r.number());
            } else {
                reservations.put(r.number(), next.get());
            }
            out.add(new Ended(r, next.isPresent()));
        }
        return out;
    }

    /** The reservation whose queue is {@code queue}, or whose name is (Slurm's {@code --reservation=NAME}). */
    Optional<Reservation> forQueue(String queue) {
        for (Reservation r : reservations.values()) {
            if (r.queue().equals(queue) || (!r.name().isEmpty() && r.name().equals(queue))) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
