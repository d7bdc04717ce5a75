package dev.hpc.head.state;

import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 19: {@code pbs_ralter} gives a reservation a new window through the one commit, only when the nodes and
 * the other reservations allow it; otherwise the reservation keeps its window. One that has begun may only have
 * its end moved.
 */
class ReservationAlterTest {
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

    private Reservation reserve(String owner, Duration in, Duration length, int nodes, int cores) {
        return state.apply(new Command.Reserve("", owner, T0.plus(in), T0.plus(in).plus(length), nodes, cores,
                Set.of(), T0)).reservationAnswer().orElseThrow();
    }

    private Outcome alter(Reservation r, String user, Optional<Instant> start, Optional<Instant> end,
                          Optional<Duration> length, Instant now) {
        return state.apply(new Command.AlterReservation(r.number(), user, false, start, end, length, now));
    }

    private static JobSpec aJob(String owner, String queue, int cores, Duration walltime) {
        return new JobSpec("job", owner, "login", "#!/bin/bash\ntrue\n", "/home/" + owner, "/home/" + owner, Map.of(),
                queue, Resources.DEFAULT.withCoresPerNode(cores).withWalltime(walltime), Optional.empty(), List.of(),
                false, 0, true, "", "", JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
    }

    private void cycleAt(Instant at) {
        Plan plan = Scheduler.plan(state.snapshot(at), Policy.DEFAULT, at);
        state.apply(new Command.Start(plan.placements(), at));
    }

    @Test
    void aNewStartKeepsTheLengthADurationCountsFromTheStartAndTheChangeIsCommitted() {
        Reservation r = reserve("alice", Duration.ofHours(1), Duration.ofHours(1), 1, 2);
        Instant later = T0.plus(Duration.ofHours(3));
        Outcome moved = alter(r, "alice", Optional.of(later), Optional.empty(), Optional.empty(), T0);
        assertTrue(moved.changedReservations().isPresent(), "the new window is part of the commit");
        Reservation now = state.reservations().get(0);
        assertEquals(later, now.start());
        assertEquals(later.plus(Duration.ofHours(1)), now.end(), "a new start alone keeps the length");
        alter(r, "alice", Optional.empty(), Optional.empty(), Optional.of(Duration.ofMinutes(20)), T0);
        assertEquals(later.plus(Duration.ofMinutes(20)), state.reservations().get(0).end());
        assertEquals(r.queue(), state.reservations().get(0).queue(), "the same reservation, the same queue");

        ClusterState standby = new ClusterState("c", 1, 1, 3);
        standby.restoreReservations(moved.changedReservations().orElseThrow());
        assertEquals(later, standby.reservations().get(0).start(), "a standby reads the new window");
    }

    @Test
    void aWindowTheOtherReservationsOrRunningWorkLeaveNoRoomForIsRefusedAndTheOldOneStays() {
        Reservation mine = reserve("alice", Duration.ofHours(1), Duration.ofHours(1), 2, 3);
        reserve("bob", Duration.ofHours(3), Duration.ofHours(1), 2, 2);
        String before = state.committedReservations().orElseThrow();
        Rejection clash = assertThrows(Rejection.class, () -> alter(mine, "alice", Optional.empty(),
                Optional.of(T0.plus(Duration.ofMinutes(210))), Optional.empty(), T0));
        assertEquals(409, RequestRejected.from(clash).status());
        assertTrue(clash.getMessage().contains("keeps its window") && clash.getMessage().contains(mine.queue()),
                clash.getMessage());
        assertEquals(before, state.committedReservations().orElseThrow(), "nothing changed");

    }

    @Test
    void aWindowRunningWorkLeavesNoRoomForIsRefused() {
        // a job of 4 cores for 5 hours holds a whole node: two nodes are free only after it
        state.apply(new Command.Admit(state.prepareSubmit(aJob("carol", "batch", 4, Duration.ofHours(5)), T0)));
        cycleAt(T0);
        Reservation mine = reserve("alice", Duration.ofHours(6), Duration.ofHours(1), 2, 3);
        String before = state.committedReservations().orElseThrow();
        Rejection busy = assertThrows(Rejection.class, () -> alter(mine, "alice",
                Optional.of(T0.plusSeconds(60)), Optional.empty(), Optional.empty(), T0));
        assertTrue(busy.getMessage().contains("running jobs"), busy.getMessage());
        assertEquals(before, state.committedReservations().orElseThrow());
    }

    @Test
    void oneThatHasBegunMayOnlyHaveItsEndMovedAndItsOwnJobsDoNotCountAgainstIt() {
        Reservation r = reserve("alice", Duration.ZERO, Duration.ofHours(1), 1, 4);
        long job = state.apply(new Command.Admit(state.prepareSubmit(aJob("alice", r.queue(), 4,
                Duration.ofMinutes(30)), T0))).answer().orElseThrow().id().number();
        cycleAt(T0.plusSeconds(1));
        assertEquals(JobState.RUNNING, state.job(job).orElseThrow().state());
        Instant now = T0.plus(Duration.ofMinutes(10));
        Rejection start = assertThrows(Rejection.class, () -> alter(r, "alice",
                Optional.of(now.plus(Duration.ofHours(1))), Optional.empty(), Optional.empty(), now));
        assertTrue(start.getMessage().contains("only its end"), start.getMessage());
        Instant end = T0.plus(Duration.ofHours(2));
        alter(r, "alice", Optional.empty(), Optional.of(end), Optional.empty(), now);
        assertEquals(end, state.reservations().get(0).end(), "its running job holds its own cores, not others'");
        assertEquals(r.nodes(), state.reservations().get(0).nodes(), "it stays on its nodes");
        Rejection past = assertThrows(Rejection.class, () -> alter(r, "alice", Optional.empty(),
                Optional.of(now.minusSeconds(1)), Optional.empty(), now));
        assertTrue(past.getMessage().contains("pbs_rdel"), past.getMessage());
    }

    @Test
    void onlyItsOwnerOrAnAdministratorMayAndBadWindowsSayWhatToGive() {
        Reservation r = reserve("alice", Duration.ofHours(1), Duration.ofHours(1), 1, 1);
        Rejection other = assertThrows(Rejection.class, () -> alter(r, "bob", Optional.empty(),
                Optional.of(T0.plus(Duration.ofHours(3))), Optional.empty(), T0));
        assertEquals(403, RequestRejected.from(other).status());
        state.apply(new Command.AlterReservation(r.number(), "root", true, Optional.empty(),
                Optional.of(T0.plus(Duration.ofHours(3))), Optional.empty(), T0));
        assertEquals(T0.plus(Duration.ofHours(3)), state.reservations().get(0).end());
        Rejection backwards = assertThrows(Rejection.class, () -> alter(r, "alice", Optional.empty(),
                Optional.of(T0.plus(Duration.ofMinutes(30))), Optional.empty(), T0));
        assertTrue(backwards.getMessage().contains("before it starts"), backwards.getMessage());
        Rejection disagree = assertThrows(Rejection.class, () -> alter(r, "alice",
                Optional.of(T0.plus(Duration.ofHours(1))), Optional.of(T0.plus(Duration.ofHours(2))),
                Optional.of(Duration.ofMinutes(5)), T0));
        assertTrue(disagree.getMessage().contains("disagree"), disagree.getMessage());
        Rejection unknown = assertThrows(Rejection.class, () -> state.apply(
                new Command.AlterReservation(99, "alice", false, Optional.empty(),
                        Optional.of(T0.plus(Duration.ofHours(3))), Optional.empty(), T0)));
        assertEquals(404, RequestRejected.from(unknown).status());
    }
}
