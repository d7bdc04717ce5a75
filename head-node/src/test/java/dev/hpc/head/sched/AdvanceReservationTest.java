package dev.hpc.head.sched;

import dev.hpc.api.job.NodeSlot;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static dev.hpc.head.sched.Snapshots.aCluster;
import static dev.hpc.head.sched.Snapshots.aJob;
import static dev.hpc.head.sched.Snapshots.aReservation;
import static dev.hpc.head.sched.Snapshots.cores;
import static dev.hpc.head.sched.Snapshots.inQueue;
import static dev.hpc.head.sched.Snapshots.nodesOf;
import static dev.hpc.head.sched.Snapshots.reason;
import static dev.hpc.head.sched.Snapshots.started;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Advance reservations in the scheduler core and their confirmation (issue 19, item 3). */
class AdvanceReservationTest {
    private static final Duration MIN = Duration.ofMinutes(1);
    private static final Duration HOUR = Duration.ofHours(1);

    @Test
    void aJobOfAReservationWaitsForItsWindow() {
        Plan plan = aCluster().withFreeNode("n1", 4)
                .withReservation(aReservation(7, Duration.ofMinutes(10), HOUR, 4, "n1"))
                .queued(inQueue(aJob(1, "alice", cores(2, MIN)), "R7")).plan();
        assertTrue(started(plan).isEmpty());
        assertTrue(reason(plan, 1).startsWith("waiting for reservation R7: its window begins at"), reason(plan, 1));
    }

    @Test
    void inTheWindowItsJobsRunOnItsNodesOnlyAndOtherWorkKeepsOffItsCores() {
        Plan plan = aCluster().withFreeNode("n1", 4).withFreeNode("n2", 4)
                .withReservation(aReservation(7, Duration.ofMinutes(-1), HOUR, 4, "n2"))
                .queued(inQueue(aJob(1, "alice", cores(4, MIN)), "R7"))
                .queued(aJob(2, "bob", cores(4, MIN)))
                .queued(aJob(3, "bob", cores(1, MIN))).plan();
        assertEquals(List.of("n2"), nodesOf(plan, 1));
        assertEquals(List.of("n1"), nodesOf(plan, 2));
        assertFalse(started(plan).contains(3L), "the reserved cores of n2 are not for job 3: " + reason(plan, 3));
    }

    @Test
    void itsJobsUseNoMoreThanTheReservedCores() {
        Plan plan = aCluster().withFreeNode("n1", 8)
                .withReservation(aReservation(7, Duration.ZERO, HOUR, 2, "n1"))
                .queued(inQueue(aJob(1, "alice", cores(2, MIN)), "R7"))
                .queued(inQueue(aJob(2, "alice", cores(1, MIN)), "R7"))
                .queued(aJob(3, "bob", cores(6, MIN))).plan();
        assertEquals(List.of(1L, 3L), started(plan).stream().sorted().toList());
        assertTrue(reason(plan, 2).contains("reservation R7"), reason(plan, 2));
    }

    @Test
    void backfillStartsOtherWorkOnReservedCoresOnlyWhenItEndsBeforeTheWindow() {
        Snapshots cluster = aCluster().withFreeNode("n1", 4)
                .withReservation(aReservation(7, Duration.ofMinutes(30), HOUR, 4, "n1"));
        Plan shortJob = cluster.queued(aJob(1, "bob", cores(4, Duration.ofMinutes(20)))).plan();
        assertEquals(List.of(1L), started(shortJob));

        Plan longJob = aCluster().withFreeNode("n1", 4)
                .withReservation(aReservation(7, Duration.ofMinutes(30), HOUR, 4, "n1"))
                .queued(aJob(2, "bob", cores(4, Duration.ofMinutes(40))))
                .queued(aJob(3, "bob", cores(1, Duration.ZERO))).plan();
        assertTrue(started(longJob).isEmpty());
        assertTrue(reason(longJob, 2).contains("reserved for reservation R7"), reason(longJob, 2));
        assertTrue(reason(longJob, 3).contains("reserved for reservation R7"), "no walltime, no end: "
                + reason(longJob, 3));
    }

    @Test
    void aPartialReservationLeavesTheRestOfTheNodeToOtherWork() {
        Plan plan = aCluster().withFreeNode("n1", 4)
                .withReservation(aReservation(7, Duration.ofMinutes(30), HOUR, 2, "n1"))
                .queued(aJob(1, "bob", cores(2, Duration.ofHours(5)))).plan();
        assertEquals(List.of(1L), started(plan));
    }

    @Test
    void runningJobsOfTheReservationCountAgainstItsCores() {
        RunningTask inside = new RunningTask(new TaskKey(1, -1), "alice", "R7", List.of(new NodeSlot("n1", 3, 0)),
                Map.of(), Snapshots.NOW.minusSeconds(10), MIN);
        Plan plan = aCluster().withNode(new NodeCapacity("n1", true, 4, 1, 0, 0)).withRunning(inside)
                .withReservation(aReservation(7, Duration.ofMinutes(-1), HOUR, 4, "n1"))
                .queued(inQueue(aJob(2, "alice", cores(2, MIN)), "R7"))
                .queued(inQueue(aJob(3, "alice", cores(1, MIN)), "R7")).plan();
        // the reservation's own job holds 3 of its 4 cores
        assertEquals(List.of(3L), started(plan));
        assertTrue(reason(plan, 2).contains("reservation R7"), reason(plan, 2));
    }

    @Test
    void confirmationRefusesAWindowTheNodesCannotHold() {
        List<NodeCapacity> nodes = List.of(new NodeCapacity("n1", true, 4, 0, 0, 0),
                new NodeCapacity("n2", true, 4, 4, 0, 0));
        RunningTask longRun = new RunningTask(new TaskKey(1, -1), "bob", "batch", List.of(new NodeSlot("n1", 4, 0)),
                Map.of(), Snapshots.NOW, Duration.ofHours(2));
        ReservationPlanner.Result two = ReservationPlanner.place(nodes, List.of(longRun), Map.of(), List.of(),
                Snapshots.NOW.plus(HOUR), Snapshots.NOW.plus(Duration.ofHours(3)), 2, 4);
        assertFalse(two.placed());
        assertTrue(two.refusal().contains("only 1 node(s) are free then"), two.refusal());
        ReservationPlanner.Result later = ReservationPlanner.place(nodes, List.of(longRun), Map.of(), List.of(),
                Snapshots.NOW.plus(Duration.ofHours(2)), Snapshots.NOW.plus(Duration.ofHours(3)), 2, 4);
        assertEquals(List.of("n1", "n2"), later.nodes().stream().sorted().toList());

        Reservation taken = aReservation(5, HOUR, HOUR, 4, "n2");
        ReservationPlanner.Result overlapping = ReservationPlanner.place(nodes, List.of(), Map.of(), List.of(taken),
                Snapshots.NOW.plus(Duration.ofMinutes(90)), Snapshots.NOW.plus(Duration.ofHours(4)), 1, 4);
        assertEquals(List.of("n1"), overlapping.nodes());
        ReservationPlanner.Result none = ReservationPlanner.place(nodes, List.of(longRun), Map.of(), List.of(taken),
                Snapshots.NOW.plus(Duration.ofMinutes(90)), Snapshots.NOW.plus(Duration.ofHours(4)), 1, 4);
        assertFalse(none.placed(), "n1 runs work past the start, n2 is reserved then");
    }

    @Test
    void theSamePlanForTheSameSnapshot() {
        Snapshots s = aCluster().withFreeNode("n1", 4).withFreeNode("n2", 4)
                .withReservation(aReservation(7, Duration.ZERO, HOUR, 2, "n1", "n2"))
                .queued(inQueue(aJob(1, "alice", cores(1, MIN)), "R7"))
                .queued(aJob(2, "bob", cores(2, MIN)));
        assertEquals(s.plan().placements(), s.plan().placements());
    }
}
