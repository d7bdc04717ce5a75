package dev.hpc.head.sched;

import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static dev.hpc.head.sched.Snapshots.NOW;
import static dev.hpc.head.sched.Snapshots.aCluster;
import static dev.hpc.head.sched.Snapshots.aJob;
import static dev.hpc.head.sched.Snapshots.nodesOf;
import static dev.hpc.head.sched.Snapshots.reason;
import static dev.hpc.head.sched.Snapshots.started;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: exclusive nodes ({@code place=excl}, {@code --exclusive}, {@code --exclusive=user}) and
 * node lists ({@code --nodelist}, {@code --exclude}, {@code host=}) in the scheduler core, backfill
 * reservations included.
 */
class ExclusiveNodesTest {

    private static Resources exclusive(int cores, Duration walltime) {
        return Resources.DEFAULT.withCoresPerNode(cores).withWalltime(walltime)
                .withAccess(NodeAccess.ANY.withSharing(NodeAccess.Sharing.EXCLUSIVE));
    }

    private static Resources forUser(int cores) {
        return Resources.DEFAULT.withCoresPerNode(cores).withAccess(NodeAccess.ANY.withSharing(NodeAccess.Sharing.USER));
    }

    private static RunningTask runs(long job, String owner, String node, int cores, Duration endsIn,
                                    NodeAccess.Sharing sharing) {
        return new RunningTask(new TaskKey(job, -1), owner, "batch", List.of(new NodeSlot(node, cores, 0)), Map.of(),
                NOW.minusSeconds(60), endsIn.plusSeconds(60), sharing);
    }

    private static NodeCapacity node(String name, int cores, int free) {
        return new NodeCapacity(name, true, cores, free, 0, 0);
    }

    @Nested
    class Exclusive {
        @Test
        void startsOnlyOnANodeThatRunsNothing() {
            Plan p = aCluster().withBusyNode("n1", 8, 1, 50, "bob", Duration.ofHours(1)).withFreeNode("n2", 4)
                    .queued(aJob(1, "alice", exclusive(1, Duration.ofHours(1)))).plan();
            assertEquals(List.of("n2"), nodesOf(p, 1), "n1 has more free cores but runs bob's job");
        }

        @Test
        void waitsWhileEveryNodeRunsSomethingAndSaysWhy() {
            Plan p = aCluster().withBusyNode("n1", 8, 1, 50, "bob", Duration.ofHours(1))
                    .queued(aJob(1, "alice", exclusive(1, Duration.ofHours(1)))).plan();
            assertTrue(p.placements().isEmpty());
            String why = reason(p, 1);
            assertTrue(why.startsWith("waiting for resources: needs 1 node with 1 free core on nodes of its own "
                    + "(exclusive)"), why);
            // the whole node frees up when bob's job ends, an hour from now
            assertEquals(NOW.plus(Duration.ofMinutes(60)), p.estimates().get(new TaskKey(1, -1)));
        }

        @Test
        void nothingElseStartsOnItsNodeWhileItRuns() {
            Plan p = aCluster().withNode(node("n1", 8, 7))
                    .withRunning(runs(50, "alice", "n1", 1, Duration.ofHours(1), NodeAccess.Sharing.EXCLUSIVE))
                    .queued(aJob(1, "alice", 1)).plan();
            assertTrue(p.placements().isEmpty(), "not even its owner's job: " + p);
            assertTrue(reason(p, 1).contains("estimated start " + NOW.plus(Duration.ofMinutes(60))), reason(p, 1));
        }

        @Test
        void takesTheWholeNodeWithinOneCycleToo() {
            Plan p = aCluster().withFreeNode("n1", 8).withFreeNode("n2", 2)
                    .queued(aJob(1, "alice", exclusive(1, Duration.ofHours(1))))
                    .queued(aJob(2, "bob", 1)).queued(aJob(3, "bob", 1)).queued(aJob(4, "bob", 1)).plan();
            assertEquals(List.of("n1"), nodesOf(p, 1));
            assertEquals(List.of(2L, 3L), started(p).subList(1, 3));
            assertEquals(List.of("n2"), nodesOf(p, 2));
            assertEquals(List.of("n2"), nodesOf(p, 3));
            assertTrue(!started(p).contains(4L), "n1 is held whole: " + p);
        }

        @Test
        void backfillMayNotDelayItsReservationOfTheWholeNode() {
            // n1 runs a 1-core job for 30 more minutes; the exclusive job waits for the whole node
            Snapshots c = aCluster().withBusyNode("n1", 8, 1, 50, "bob", Duration.ofMinutes(30))
                    .queued(aJob(1, "alice", exclusive(1, Duration.ofHours(1))));
            Plan longOne = c.queued(aJob(2, "carol", Snapshots.cores(1, Duration.ofHours(2)))).plan();
            assertEquals(List.of(), started(longOne), "7 cores are free, but a 2-hour job would delay job 1");
            assertTrue(reason(longOne, 2).startsWith("waiting for priority: job 1 has a higher priority"),
                    reason(longOne, 2));
            Plan shortOne = aCluster().withBusyNode("n1", 8, 1, 50, "bob", Duration.ofMinutes(30))
                    .queued(aJob(1, "alice", exclusive(1, Duration.ofHours(1))))
                    .queued(aJob(2, "carol", Snapshots.cores(1, Duration.ofMinutes(10)))).plan();
            assertEquals(List.of(2L), started(shortOne), "one that ends before n1 frees up may backfill");
        }

        @Test
        void theSamePlanForTheSameSnapshot() {
            Snapshots c = aCluster().withFreeNode("n1", 4).withFreeNode("n2", 4).withBusyNode("n3", 4, 1, 50, "bob",
                    Duration.ofMinutes(5)).queued(aJob(1, "alice", exclusive(1, Duration.ofHours(1))))
                    .queued(aJob(2, "alice", exclusive(2, Duration.ofHours(1)).withNodes(2)))
                    .queued(aJob(3, "bob", 1));
            assertEquals(c.plan(), c.plan());
        }
    }

    @Nested
    class ExclusiveForItsUser {
        @Test
        void sharesOnlyWithItsOwnersJobs() {
            Snapshots c = aCluster().withNode(node("n1", 8, 7))
                    .withRunning(runs(50, "alice", "n1", 1, Duration.ofHours(1), NodeAccess.Sharing.USER));
            assertEquals(List.of(1L), started(c.queued(aJob(1, "alice", 1)).plan()));
            Plan bob = aCluster().withNode(node("n1", 8, 7))
                    .withRunning(runs(50, "alice", "n1", 1, Duration.ofHours(1), NodeAccess.Sharing.USER))
                    .queued(aJob(2, "bob", 1)).plan();
            assertTrue(bob.placements().isEmpty(), bob.toString());
        }

        @Test
        void startsOnlyWhereNoOtherUserRuns() {
            Plan p = aCluster().withBusyNode("n1", 8, 1, 50, "bob", Duration.ofHours(1))
                    .withBusyNode("n2", 4, 3, 51, "alice", Duration.ofHours(1))
                    .queued(aJob(1, "alice", forUser(1))).queued(aJob(2, "bob", 1)).plan();
            assertEquals(List.of("n2"), nodesOf(p, 1), "beside alice's own job, not bob's");
            assertEquals(List.of("n1"), nodesOf(p, 2));
        }
    }

    @Nested
    class NodeLists {
        private static Resources on(int nodes, Set<String> required, Set<String> excluded) {
            return Resources.DEFAULT.withNodes(nodes).withWalltime(Duration.ofHours(1))
                    .withAccess(new NodeAccess(NodeAccess.Sharing.SHARED, required, excluded));
        }

        @Test
        void runsOnTheNodesItNamesAndChoosesTheRest() {
            Plan p = aCluster().withFreeNode("n1", 8).withFreeNode("n2", 8).withFreeNode("n3", 2)
                    .queued(aJob(1, "alice", on(1, Set.of("n3"), Set.of())))
                    .queued(aJob(2, "alice", on(2, Set.of("n3"), Set.of()))).plan();
            assertEquals(List.of("n3"), nodesOf(p, 1), "n1 has more room, but the job named n3");
            assertEquals(List.of("n3", "n1"), nodesOf(p, 2));
        }

        @Test
        void neverRunsOnAnExcludedNode() {
            Plan p = aCluster().withFreeNode("n1", 8).withBusyNode("n2", 2, 2, 50, "bob", Duration.ofMinutes(10))
                    .queued(aJob(1, "alice", on(1, Set.of(), Set.of("n1")))).plan();
            assertTrue(p.placements().isEmpty());
            assertTrue(reason(p, 1).contains("on not node n1"), reason(p, 1));
            assertEquals(NOW.plus(Duration.ofMinutes(10)), p.estimates().get(new TaskKey(1, -1)),
                    "its estimate is on n2, not on the free excluded n1");
        }

        @Test
        void waitsForABusyNamedNodeAndSaysWhenANamedNodeIsGone() {
            Plan busy = aCluster().withFreeNode("n1", 8).withBusyNode("n2", 2, 2, 50, "bob", Duration.ofMinutes(10))
                    .queued(aJob(1, "alice", on(1, Set.of("n2"), Set.of()))).plan();
            assertTrue(busy.placements().isEmpty());
            assertEquals(NOW.plus(Duration.ofMinutes(10)), busy.estimates().get(new TaskKey(1, -1)));
            Plan gone = aCluster().withFreeNode("n1", 8).queued(aJob(1, "alice", on(1, Set.of("n9"), Set.of())))
                    .plan();
            assertTrue(gone.placements().isEmpty());
            assertTrue(reason(gone, 1).contains("node n9 is not in the cluster now"), reason(gone, 1));
        }

        @Test
        void aRequeuedTaskGoesBackToTheNodeItMustHave() {
            PendingTask t = aJob(1, "alice", on(1, Set.of("n1"), Set.of()));
            PendingTask requeued = new PendingTask(t.key(), t.owner(), t.queue(), t.resources(), 0, Instant.EPOCH,
                    PendingTask.Readiness.READY, "", 0, 0, Set.of("n1"), t.submitted());
            Plan p = aCluster().withFreeNode("n1", 4).withFreeNode("n2", 4).queued(requeued).plan();
            assertEquals(List.of("n1"), nodesOf(p, 1));
        }

        @Test
        void aNamedNodeOutsideTheQueueIsNeverUsed() {
            Plan p = aCluster().withFreeNode("n1", 8).withFreeNode("n2", 8)
                    .withQueue(QueueDef.open("batch").withNodes(Set.of("n1")))
                    .queued(aJob(1, "alice", on(1, Set.of("n2"), Set.of()))).plan();
            assertTrue(p.placements().isEmpty());
            assertTrue(reason(p, 1).contains("node n2 is not a node of queue batch"), reason(p, 1));
        }
    }

    @Test
    void anExclusiveJobOfAnAdvanceReservationTakesItsNodeFromTheReservationsOtherJobs() {
        Reservation r = new Reservation(7, "", "alice", NOW.minusSeconds(60), NOW.plus(Duration.ofHours(2)),
                Set.of("n1"), 4, Set.of());
        Plan p = aCluster().withFreeNode("n1", 4).withReservation(r)
                .queued(Snapshots.inQueue(aJob(1, "alice", exclusive(1, Duration.ofHours(1))), r.queue()))
                .queued(Snapshots.inQueue(aJob(2, "alice", 1), r.queue())).plan();
        assertEquals(List.of(1L), started(p));
        assertTrue(reason(p, 2).contains("its other jobs hold the rest"), reason(p, 2));
    }

    @Test
    void noEstimateIsEarlierThanNow() {
        Instant now = NOW;
        Plan p = aCluster().withFreeNode("n1", 4).queued(aJob(1, "alice", exclusive(1, Duration.ofHours(1)))).plan();
        assertEquals(List.of("n1"), nodesOf(p, 1));
        assertTrue(p.estimates().values().stream().noneMatch(i -> i.isBefore(now)));
    }
}
