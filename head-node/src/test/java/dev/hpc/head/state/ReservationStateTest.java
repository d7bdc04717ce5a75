package dev.hpc.head.state;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.QueueInfo;
import dev.hpc.api.job.Resources;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.head.RequestRejected;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.Reservation;
import dev.hpc.head.sched.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19 item 3: advance reservations go through the one commit (a versioned setting, like qmgr's queues),
 * are confirmed only when their nodes are free for the whole window, take jobs of their users only, and take
 * their jobs with them when they end.
 */
class ReservationStateTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    private ClusterState state;

    @BeforeEach
    void twoNodesOfFourCores() {
        state = new ClusterState("c", 1, 1, 3);
        for (String n : List.of("n1", "n2")) {
            state.apply(new Command.RegisterNode(new Register(n, n, 4, 8L << 30, Map.of(), "", List.of(), List.of()),
                    T0));
        }
    }

    private Outcome reserve(Duration in, Duration length, int nodes, int cores, String... users) {
        return state.apply(new Command.Reserve("", "alice", T0.plus(in), T0.plus(in).plus(length), nodes, cores,
                Set.of(users), T0));
    }

    private static JobSpec aJob(String owner, String queue, int cores, Duration walltime) {
        return new JobSpec("job", owner, "login", "#!/bin/bash\ntrue\n", "/home/" + owner, "/home/" + owner, Map.of(),
                queue, Resources.DEFAULT.withCoresPerNode(cores).withWalltime(walltime), Optional.empty(), List.of(),
                false, 0, true, "", "", JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
    }

    private long submit(JobSpec spec) {
        return state.apply(new Command.Admit(state.prepareSubmit(spec, T0))).answer().orElseThrow().id().number();
    }

    private void cycleAt(Instant at) {
        Plan plan = Scheduler.plan(state.snapshot(at), Policy.DEFAULT, at);
        state.apply(new Command.Start(plan.placements(), at));
        state.apply(new Command.Explain(plan.waiting(), plan.estimates()));
    }

    private Outcome maintain(String by, boolean admin, Duration in, Duration length, String... hosts) {
        return state.apply(new Command.Reserve("", by, T0.plus(in), T0.plus(in).plus(length), 0, 0, Set.of(), T0,
                List.of(hosts), admin));
    }

    /**
     * {@code pbs_rsub --hosts}: an administrator's reservation of whole nodes is made whatever runs there, and
     * the node drains ahead of it: a job that would still run at its start does not start there, a short one does.
     */
    @Test
    void aMaintenanceReservationTakesWholeNodesWhateverRunsAndDrainsThemAhead() {
        long running = submit(aJob("bob", "batch", 2, Duration.ofHours(10)));
        cycleAt(T0);
        String busy = state.job(running).orElseThrow().tasks().get(0).currentNodes().get(0).node();
        Reservation m = maintain("root", true, Duration.ofMinutes(30), Duration.ofHours(1), busy)
                .reservationAnswer().orElseThrow();
        assertTrue(m.maintenance());
        assertEquals(Set.of(busy), m.nodes());
        assertEquals(4, m.coresPerNode(), "every core of the node");
        assertEquals(JobState.RUNNING, state.job(running).orElseThrow().state(), "what runs there goes on");

        // without the drain, the node's two free cores would take one of these three: with it, the other node
        // takes two and the third waits
        List<Long> tooLong = List.of(submit(aJob("bob", "batch", 2, Duration.ofHours(2))),
                submit(aJob("bob", "batch", 2, Duration.ofHours(2))), submit(aJob("bob", "batch", 2,
                        Duration.ofHours(2))));
        cycleAt(T0.plusSeconds(1));
        List<Long> started = tooLong.stream().filter(n -> state.job(n).orElseThrow().state() == JobState.RUNNING)
                .toList();
        assertEquals(2, started.size(), "two fit on the other node, none on the draining one");
        for (long n : started) {
            assertFalse(state.job(n).orElseThrow().tasks().get(0).currentNodes().get(0).node().equals(busy),
                    "a job that would run into the window does not start on the draining node");
        }
        long shortOne = submit(aJob("bob", "batch", 1, Duration.ofMinutes(10)));
        cycleAt(T0.plusSeconds(2));
        assertEquals(JobState.RUNNING, state.job(shortOne).orElseThrow().state(), "one that ends before it does: " + state.job(shortOne).orElseThrow().tasks().get(0).comment());
        assertEquals(busy, state.job(shortOne).orElseThrow().tasks().get(0).currentNodes().get(0).node());
    }

    private Outcome standing(String rule, Duration in, Duration length, int nodes, int cores) {
        return state.apply(new Command.Reserve("", "alice", T0.plus(in), T0.plus(in).plus(length), nodes, cores,
                Set.of(), T0, List.of(), false, rule, java.time.ZoneOffset.UTC));
    }

    /**
     * {@code pbs_rsub -r}: a standing reservation is confirmed for every window, and when one window ends it
     * moves on to the next: what ran in it is deleted, what waits in its queue waits for the next window.
     */
    @Test
    void aStandingReservationHoldsEveryWindowAndMovesOnWhenOneEnds() {
        // another reservation holds n1's cores in the second day's window only: the standing one takes n2
        reserve(Duration.ofDays(1).plusMinutes(10), Duration.ofHours(1), 1, 4);
        String taken = state.reservations().get(0).nodes().iterator().next();
        Reservation r = standing("FREQ=DAILY;COUNT=3", Duration.ofMinutes(10), Duration.ofHours(1), 1, 4)
                .reservationAnswer().orElseThrow();
        assertEquals(3, r.occurrences());
        assertFalse(r.nodes().contains(taken), "free in every window, not only the first: " + r);
        Rejection full = assertThrows(Rejection.class,
                () -> standing("FREQ=DAILY;COUNT=3", Duration.ofMinutes(20), Duration.ofHours(1), 1, 4));
        assertTrue(full.getMessage().contains("in each of its 2 later windows"), full.getMessage());
        Rejection badRule = assertThrows(Rejection.class,
                () -> standing("FREQ=DAILY", Duration.ofMinutes(20), Duration.ofHours(1), 1, 4));
        assertTrue(badRule.getMessage().contains("COUNT=N or UNTIL"), badRule.getMessage());

        long running = submit(aJob("alice", r.queue(), 4, Duration.ofMinutes(30)));
        long waiting = submit(aJob("alice", r.queue(), 4, Duration.ofMinutes(30)));
        cycleAt(T0.plus(Duration.ofMinutes(11)));
        assertEquals(JobState.RUNNING, state.job(running).orElseThrow().state());
        assertEquals(JobState.QUEUED, state.job(waiting).orElseThrow().state());

        Outcome ended = state.apply(new Command.EndReservations(T0.plus(Duration.ofMinutes(70))));
        assertTrue(ended.changedReservations().isPresent(), "the move to the next window is committed");
        Reservation next = state.reservations().stream().filter(x -> x.number() == r.number()).findFirst()
                .orElseThrow();
        assertEquals(2, next.occurrence());
        assertEquals(T0.plus(Duration.ofDays(1)).plus(Duration.ofMinutes(10)), next.start());
        assertTrue(state.job(running).orElseThrow().cancelledBy().contains("the end of window 1 of reservation "
                + r.queue()), "what ran is killed with its window: " + state.job(running).orElseThrow().cancelledBy());
        assertEquals(JobState.QUEUED, state.job(waiting).orElseThrow().state(), "what waits, waits for the next");

        state.apply(new Command.EndReservations(T0.plus(Duration.ofDays(3))));
        assertTrue(state.reservations().stream().noneMatch(x -> x.number() == r.number()),
                "after its last window it goes, with its queue's jobs");
        assertEquals(JobState.CANCELLED, state.job(waiting).orElseThrow().state());
    }

    @Test
    void aMaintenanceReservationIsForAdministratorsOfKnownNodesNotHeldByAnotherReservation() {
        Rejection user = assertThrows(Rejection.class,
                () -> maintain("alice", false, Duration.ZERO, Duration.ofHours(1), "n1"));
        assertEquals(403, RequestRejected.from(user).status());
        assertTrue(user.getMessage().contains("administrators"), user.getMessage());
        Rejection unknown = assertThrows(Rejection.class,
                () -> maintain("root", true, Duration.ZERO, Duration.ofHours(1), "n1", "n9"));
        assertTrue(unknown.getMessage().contains("no node is called n9"), unknown.getMessage());
        Reservation cores = reserve(Duration.ofMinutes(10), Duration.ofHours(1), 2, 1).reservationAnswer()
                .orElseThrow();
        Rejection held = assertThrows(Rejection.class,
                () -> maintain("root", true, Duration.ZERO, Duration.ofHours(1), "n1"));
        assertTrue(held.getMessage().contains("pbs_rdel " + cores.queue()), held.getMessage());
        assertEquals(1, state.reservations().size(), "nothing half made");
    }

    @Test
    void aConfirmedReservationIsCommittedAndGetsItsQueue() {
        Outcome made = reserve(Duration.ofMinutes(10), Duration.ofHours(1), 1, 4);
        Reservation r = made.reservationAnswer().orElseThrow();
        assertEquals("R1", r.queue());
        assertEquals(1, r.nodes().size());
        assertTrue(made.changedReservations().isPresent(), "the reservations are part of the commit");
        QueueInfo q = state.queueInfos(T0).stream().filter(i -> i.name().equals("R1")).findFirst().orElseThrow();
        assertFalse(q.started(), "its jobs wait until the window");
        assertEquals("R2", reserve(Duration.ofMinutes(10), Duration.ofHours(1), 1, 4).reservationAnswer()
                .orElseThrow().queue(), "the second takes the other node");
    }

    @Test
    void aWindowTheNodesCannotHoldIsRefusedAndChangesNothing() {
        reserve(Duration.ofMinutes(10), Duration.ofHours(1), 2, 3);
        String before = state.committedReservations().orElseThrow();
        Rejection refused = assertThrows(Rejection.class,
                () -> reserve(Duration.ofMinutes(30), Duration.ofHours(1), 1, 2));
        assertTrue(refused.getMessage().contains("cannot confirm the reservation"), refused.getMessage());
        assertEquals(before, state.committedReservations().orElseThrow());
        assertThrows(Rejection.class, () -> state.apply(new Command.Reserve("", "alice", T0.plusSeconds(60),
                T0, 1, 1, Set.of(), T0)), "an end before the start");
        reserve(Duration.ofHours(2), Duration.ofHours(1), 2, 4); // after the first window: free again
    }

    @Test
    void onlyItsUsersSubmitToItAndOnlyWhatFits() {
        reserve(Duration.ofMinutes(10), Duration.ofHours(1), 1, 2, "bob");
        submit(aJob("bob", "R1", 2, Duration.ofMinutes(5)));
        InvalidRequestException carol = assertThrows(InvalidRequestException.class,
                () -> state.prepareSubmit(aJob("carol", "R1", 1, Duration.ofMinutes(5)), T0));
        assertTrue(carol.getMessage().contains("not carol"), carol.getMessage());
        assertThrows(InvalidRequestException.class,
                () -> state.prepareSubmit(aJob("alice", "R1", 3, Duration.ofMinutes(5)), T0), "3 cores of 2");
        InvalidRequestException none = assertThrows(InvalidRequestException.class,
                () -> state.prepareSubmit(aJob("alice", "R9", 1, Duration.ofMinutes(5)), T0));
        assertTrue(none.getMessage().contains("reservation R9 does not exist"), none.getMessage());
        JobSpec slurm = dev.hpc.api.pbs.SubmitParser.parse(new dev.hpc.api.pbs.SubmitRequest("#!/bin/sh\n"
                + "#SBATCH --reservation=maint\ntrue\n", List.of(), "alice", "login", "/home/alice", Map.of()),
                dev.hpc.api.pbs.SubmitDefaults.STANDARD);
        InvalidRequestException noSuch = assertThrows(InvalidRequestException.class,
                () -> state.prepareSubmit(slurm, T0));
        assertTrue(noSuch.getMessage().contains("reservation 'maint'"), "not run as an ordinary queue with no "
                + "queues configured: " + noSuch.getMessage());
    }

    @Test
    void itsJobsStartInTheWindowAndAreDeletedWhenItEnds() {
        reserve(Duration.ofMinutes(10), Duration.ofMinutes(30), 1, 4);
        long job = submit(aJob("alice", "R1", 4, Duration.ofHours(2)));
        cycleAt(T0);
        assertEquals(JobState.QUEUED, state.job(job).orElseThrow().state());
        cycleAt(T0.plus(Duration.ofMinutes(11)));
        assertEquals(JobState.RUNNING, state.job(job).orElseThrow().state());
        assertFalse(state.reservationEndedBy(T0.plus(Duration.ofMinutes(39))));
        assertTrue(state.reservationEndedBy(T0.plus(Duration.ofMinutes(40))));
        Outcome ended = state.apply(new Command.EndReservations(T0.plus(Duration.ofMinutes(40))));
        assertTrue(ended.changedReservations().isPresent());
        assertFalse(ended.effects().isEmpty(), "the running job is killed");
        assertTrue(state.reservations().isEmpty());
        assertTrue(state.queueInfos(T0).stream().noneMatch(q -> q.name().equals("R1")), "its queue went");
    }

    @Test
    void deletingTakesItsQueuedJobsAndOnlyItsOwnerOrAnAdministratorMay() {
        reserve(Duration.ofMinutes(10), Duration.ofMinutes(30), 1, 4);
        long job = submit(aJob("alice", "R1", 1, Duration.ofMinutes(5)));
        Rejection bob = assertThrows(Rejection.class,
                () -> state.apply(new Command.Unreserve(1, "bob", false, T0)));
        assertEquals(403, RequestRejected.from(bob).status());
        state.apply(new Command.Unreserve(1, "alice", false, T0));
        assertEquals(JobState.CANCELLED, state.job(job).orElseThrow().state());
        assertEquals(Rejection.Kind.UNKNOWN_RESERVATION, assertThrows(Rejection.class,
                () -> state.apply(new Command.Unreserve(1, "alice", false, T0))).kind());
    }

    @Test
    void theCommittedBodyRestoresTheReservationsAndTheNextNumber() {
        reserve(Duration.ofMinutes(10), Duration.ofHours(1), 1, 4, "bob");
        state.apply(new Command.Unreserve(1, "alice", false, T0));
        reserve(Duration.ofMinutes(10), Duration.ofHours(1), 2, 1);
        ClusterState standby = new ClusterState("c", 2, 1, 3);
        standby.restoreReservations(state.committedReservations().orElseThrow());
        assertEquals(state.reservations(), standby.reservations());
        standby.apply(new Command.RegisterNode(new Register("n1", "n1", 4, 8L << 30, Map.of(), "", List.of(),
                List.of()), T0));
        standby.apply(new Command.RegisterNode(new Register("n2", "n2", 4, 8L << 30, Map.of(), "", List.of(),
                List.of()), T0));
        Outcome next = standby.apply(new Command.Reserve("", "alice", T0.plus(Duration.ofHours(3)),
                T0.plus(Duration.ofHours(4)), 1, 1, Set.of(), T0));
        assertEquals("R3", next.reservationAnswer().orElseThrow().queue(), "numbers are not given twice");
        assertTrue(next.changedReservations().orElseThrow().contains("\"version\":" + ((2L << 32))),
                "a later epoch's version is above every version of the earlier epoch");
    }
}
