package dev.hpc.head.sched;

import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

import static dev.hpc.head.sched.Snapshots.NOW;
import static dev.hpc.head.sched.Snapshots.aCluster;
import static dev.hpc.head.sched.Snapshots.aJob;
import static dev.hpc.head.sched.Snapshots.cores;
import static dev.hpc.head.sched.Snapshots.inQueue;
import static dev.hpc.head.sched.Snapshots.nodesOf;
import static dev.hpc.head.sched.Snapshots.reason;
import static dev.hpc.head.sched.Snapshots.started;
import static dev.hpc.head.sched.Snapshots.waitingFor;
import static dev.hpc.head.sched.Snapshots.withPriority;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 5: the scheduler core's policy, one small snapshot per scenario. */
class SchedulingPolicyTest {

    // ---------------------------------------------------------------- order

    @Test
    void fifoOrderAmongEqualJobs() {
        Plan plan = aCluster().withFreeNode("n1", 2)
                .queued(aJob(3, "alice", 1)).queued(aJob(1, "alice", 1)).queued(aJob(2, "alice", 1)).plan();
        assertEquals(List.of(1L, 2L), started(plan));
    }

    @Test
    void priorityOrderBeatsAge() {
        Plan plan = aCluster().withFreeNode("n1", 1)
                .queued(aJob(1, "alice", 1)).queued(withPriority(aJob(2, "alice", 1), 100)).plan();
        assertEquals(List.of(2L), started(plan));
    }

    @Test
    void aQueueWithHigherPriorityGoesFirst() {
        Plan plan = aCluster().withFreeNode("n1", 1)
                .withQueue(QueueDef.open("batch")).withQueue(QueueDef.open("express").withPriority(100))
                .queued(aJob(1, "alice", 1)).queued(inQueue(aJob(2, "alice", 1), "express")).plan();
        assertEquals(List.of(2L), started(plan));
    }

    @Test
    void olderJobsGainPriorityWithAge() {
        PendingTask old = withPriority(aJob(1, "alice", 1), 0).withSubmitted(NOW.minus(Duration.ofDays(7)));
        PendingTask favoured = withPriority(aJob(2, "alice", 1), 1);
        Plan plan = aCluster().withFreeNode("n1", 1).queued(favoured).queued(old).plan();
        assertEquals(List.of(1L), started(plan), "a week of waiting outweighs one step of -p");
    }

    @Test
    void aUserWhoUsedLittleGoesBeforeOneWhoUsedMuch() {
        Plan plan = aCluster().withFreeNode("n1", 1).withUsage("alice", 100_000).withUsage("bob", 100)
                .queued(aJob(1, "alice", 1)).queued(aJob(2, "bob", 1)).plan();
        assertEquals(List.of(2L), started(plan));
    }

    @Test
    void fairShareBalancesTwoUsersOverTime() {
        // alice queued 20 jobs before bob's 20; one core; each job runs an hour and is charged to its owner
        Map<String, Double> usage = new TreeMap<>();
        List<PendingTask> queue = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            queue.add(aJob(i, "alice", 1));
        }
        for (int i = 21; i <= 40; i++) {
            queue.add(aJob(i, "bob", 1));
        }
        usage.put("alice", 3600.0 * 10);
        StringBuilder order = new StringBuilder();
        for (int hour = 0; hour < 20; hour++) {
            Snapshots s = aCluster().withFreeNode("n1", 1);
            usage.forEach(s::withUsage);
            queue.forEach(s::queued);
            Plan plan = s.plan();
            assertEquals(1, plan.placements().size());
            long job = plan.placements().get(0).task().jobNumber();
            String owner = job <= 20 ? "alice" : "bob";
            order.append(owner.charAt(0));
            queue.removeIf(t -> t.key().jobNumber() == job);
            usage.replaceAll((u, v) -> v / 2); // one hour of decay with a one-hour half-life
            usage.merge(owner, 3600.0, Double::sum);
        }
        long bobs = order.chars().filter(c -> c == 'b').count();
        assertTrue(order.toString().startsWith("b"), "alice used much already: bob starts first: " + order);
        assertTrue(bobs >= 9 && bobs <= 12, "the core is shared about evenly: " + order);
    }

    // ---------------------------------------------------------------- backfill

    @Test
    void aShortJobIsBackfilledBeforeAReservation() {
        Plan plan = backfillScenario(Duration.ofMinutes(5));
        assertEquals(List.of(3L), started(plan), "the short job ends before the big one can start");
        assertEquals(NOW.plus(Duration.ofMinutes(10)), plan.estimates().get(new TaskKey(2, -1)));
        assertTrue(reason(plan, 2).contains("estimated start 2026-11-24T10:10:00Z"), reason(plan, 2));
    }

    @Test
    void aJobThatWouldDelayTheReservationIsRefused() {
        Plan plan = backfillScenario(Duration.ofMinutes(30));
        assertEquals(List.of(), started(plan));
        assertTrue(reason(plan, 3).startsWith("waiting for priority: job 2 has a higher priority"), reason(plan, 3));
    }

    @Test
    void aJobWithoutWalltimeIsNotBackfilledOntoAReservedNode() {
        Plan plan = backfillScenario(Duration.ZERO);
        assertEquals(List.of(), started(plan));
    }

    /**
     * n1 is full for an hour; n2 has 2 of 4 cores free for ten minutes. Job 2 (4 cores, high
     * priority) must wait for n2; job 3 (2 cores, given walltime) could start on n2 now.
     */
    private static Plan backfillScenario(Duration smallWalltime) {
        return aCluster()
                .withBusyNode("n1", 4, 4, 100, "carol", Duration.ofHours(1))
                .withBusyNode("n2", 4, 2, 101, "carol", Duration.ofMinutes(10))
                .queued(withPriority(aJob(2, "alice", cores(4, Duration.ofHours(1))), 100))
                .queued(aJob(3, "bob", cores(2, smallWalltime)))
                .plan();
    }

    @Test
    void aJobFittingInWhatTheReservationLeavesStartsWhateverItsWalltime() {
        Plan plan = aCluster()
                .withBusyNode("n1", 8, 8, 100, "carol", Duration.ofHours(1))
                .withBusyNode("n2", 8, 4, 101, "carol", Duration.ofMinutes(10))
                .queued(withPriority(aJob(2, "alice", cores(6, Duration.ofHours(1))), 100))
                .queued(aJob(3, "bob", cores(2, Duration.ofHours(5))))
                .plan();
        assertEquals(List.of(3L), started(plan), "n2 has 8 cores at the reservation; 6 are reserved, 2 are spare");
    }

    @Test
    void runningWorkWithoutWalltimeLeavesNoEstimate() {
        Plan plan = aCluster().withBusyNode("n1", 2, 2, 100, "carol", Duration.ZERO)
                .queued(aJob(1, "alice", 2)).plan();
        assertTrue(reason(plan, 1).contains("no estimated start"), reason(plan, 1));
        assertTrue(plan.estimates().isEmpty());
    }

    @Test
    void aQueuesMaximumWalltimeStandsInForAMissingOne() {
        Plan plan = aCluster().withQueue(QueueDef.open("batch").withMaxWalltime(Duration.ofHours(2)))
                .withBusyNode("n1", 2, 2, 100, "carol", Duration.ZERO)
                .queued(aJob(1, "alice", 2)).plan();
        assertEquals(NOW.plus(Duration.ofHours(2)).minusSeconds(60), plan.estimates().get(new TaskKey(1, -1)));
    }

    // ---------------------------------------------------------------- where

    @Test
    void selectPlacesOneTaskOverSeveralNodes() {
        // select=2:ncpus=8:mpiprocs=8, as the parser gives it
        Resources select = Resources.DEFAULT.withNodes(2).withCoresPerNode(8).withMpiprocsPerNode(8);
        Plan plan = aCluster().withFreeNode("a", 8).withFreeNode("b", 4).withFreeNode("c", 8)
                .queued(aJob(1, "alice", select)).plan();
        assertEquals(List.of("a", "c"), nodesOf(plan, 1));
        assertTrue(plan.placements().get(0).slots().stream().allMatch(s -> s.cores() == 8));
    }

    @Test
    void aWholeNodeRequestWaitsForAnEmptyNode() {
        Plan plan = aCluster().withBusyNode("n1", 4, 1, 100, "carol", Duration.ofMinutes(5))
                .queued(aJob(1, "alice", 4)).plan();
        assertEquals(List.of(), started(plan));
        assertTrue(reason(plan, 1).startsWith("waiting for resources: needs 1 node with 4 free cores"));
    }

    @Test
    void genericResourcesAreMatched() {
        Resources gpu = Resources.DEFAULT.withGeneric(Map.of("gpu", 1L));
        Plan plan = aCluster().withFreeNode("cpu1", 8).withGpuNode("gpu1", 4, 2, 2)
                .queued(aJob(1, "alice", gpu)).queued(aJob(2, "alice", gpu)).queued(aJob(3, "alice", gpu))
                .plan();
        assertEquals(List.of(1L, 2L), started(plan), "two gpus, two jobs");
        assertEquals(List.of("gpu1"), nodesOf(plan, 1));
        assertTrue(reason(plan, 3).contains("gpu=1"), reason(plan, 3));
    }

    @Test
    void aJobAskingForAGenericResourceNoNodeHasSaysSo() {
        Plan plan = aCluster().withFreeNode("cpu1", 8)
                .queued(aJob(1, "alice", Resources.DEFAULT.withGeneric(Map.of("gpu", 1L)))).plan();
        assertTrue(reason(plan, 1).contains("no node has these generic resources"), reason(plan, 1));
    }

    // ---------------------------------------------------------------- limits

    @Test
    void aQueueUsesOnlyItsNodes() {
        Plan plan = aCluster().withFreeNode("n1", 4).withFreeNode("n2", 4)
                .withQueue(QueueDef.open("batch")).withQueue(QueueDef.open("debug").withNodes(Set.of("n2")))
                .queued(inQueue(aJob(1, "alice", 1), "debug")).queued(inQueue(aJob(2, "alice", 4), "debug"))
                .plan();
        assertEquals(List.of("n2"), nodesOf(plan, 1));
        assertTrue(reason(plan, 2).contains("among the 1 nodes of queue debug"), reason(plan, 2));
    }

    @Test
    void aStoppedQueueRunsNothing() {
        Plan plan = aCluster().withFreeNode("n1", 4).withQueue(QueueDef.open("batch").withStarted(false))
                .queued(aJob(1, "alice", 1)).plan();
        assertEquals(List.of(), started(plan));
        assertTrue(reason(plan, 1).startsWith("queue limit: queue 'batch' is stopped"), reason(plan, 1));
    }

    @Test
    void aJobOfAQueueNoLongerConfiguredWaits() {
        Plan plan = aCluster().withFreeNode("n1", 4).withQueue(QueueDef.open("batch"))
                .queued(inQueue(aJob(1, "alice", 1), "gone")).plan();
        assertTrue(reason(plan, 1).startsWith("queue limit: queue 'gone' is not configured"), reason(plan, 1));
    }

    @Test
    void aUsersRunningLimitInAQueueHoldsTheRestBack() {
        Plan plan = aCluster().withFreeNode("n1", 8).withBusyNode("n2", 4, 1, 100, "alice", Duration.ofMinutes(5))
                .withQueue(QueueDef.open("batch").withMaxRunningPerUser(2))
                .queued(aJob(1, "alice", 1)).queued(aJob(2, "alice", 1)).queued(aJob(3, "bob", 1)).plan();
        assertEquals(List.of(1L, 3L), started(plan), "alice runs one already: one more reaches her limit of 2");
        assertTrue(reason(plan, 2).startsWith("user limit: alice runs 2 tasks in queue batch, at most 2"),
                reason(plan, 2));
    }

    @Test
    void theArrayThrottleCountsRunningAndStartingTasks() {
        Snapshots s = aCluster().withFreeNode("n1", 16);
        for (int i = 1; i <= 10; i++) {
            s.queued(new PendingTask(new TaskKey(7, i), "alice", "batch", Resources.DEFAULT, 0, Instant.EPOCH,
                    PendingTask.Readiness.READY, "", 4, 2));
        }
        Plan plan = s.plan();
        assertEquals(2, plan.placements().size(), "two run, two start, the throttle is 4");
        assertEquals("array throttle: 4 of at most 4 tasks running", plan.waiting().get(new TaskKey(7, 5)));
    }

    // ---------------------------------------------------------------- reasons

    @Test
    void everyPendingReasonIsExplained() {
        PendingTask dependency = waitingFor(aJob(1, "alice", 1), PendingTask.Readiness.WAITING, "afterok:9.c");
        PendingTask never = waitingFor(aJob(2, "alice", 1), PendingTask.Readiness.NEVER, "");
        PendingTask later = new PendingTask(new TaskKey(3, -1), "alice", "batch", Resources.DEFAULT, 0,
                NOW.plusSeconds(600), PendingTask.Readiness.READY, "", 0, 0);
        PendingTask big = aJob(4, "alice", 64);
        Plan plan = aCluster().withFreeNode("n1", 4).queued(dependency).queued(never).queued(later).queued(big)
                .plan();
        assertEquals(Scheduler.DEPENDENCY_REASON + "afterok:9.c", reason(plan, 1));
        assertEquals(List.of(2L), plan.unsatisfiable());
        assertTrue(reason(plan, 3).startsWith("waiting for its start time 2026-11-24T10:10:00Z"), reason(plan, 3));
        assertTrue(reason(plan, 4).contains("no node has that many cores"), reason(plan, 4));
    }

    @Test
    void aTaskThatAvoidsAFailedNodeSaysSo() {
        PendingTask t = new PendingTask(new TaskKey(1, -1), "alice", "batch", Resources.DEFAULT.withCoresPerNode(4),
                0, Instant.EPOCH, PendingTask.Readiness.READY, "", 0, 0, Set.of("n1"));
        Plan plan = aCluster().withFreeNode("n1", 4).withBusyNode("n2", 4, 1, 100, "bob", Duration.ofMinutes(1))
                .queued(t).plan();
        assertEquals(List.of(), started(plan));
        assertTrue(reason(plan, 1).contains("keeping off n1"), reason(plan, 1));
        assertEquals(NOW.plusSeconds(60), plan.estimates().get(new TaskKey(1, -1)));
    }

    @Test
    void theSamePolicyInputGivesTheSamePlan() {
        Snapshots s = aCluster().withUsage("alice", 500).withUsage("bob", 50);
        for (int i = 1; i <= 12; i++) {
            s.withBusyNode("n" + i, 4, i % 4, 100 + i, i % 2 == 0 ? "alice" : "bob", Duration.ofMinutes(i));
        }
        for (int i = 1; i <= 60; i++) {
            s.queued(aJob(i, i % 3 == 0 ? "alice" : "bob", cores(1 + i % 4, Duration.ofMinutes(i % 7))));
        }
        Plan first = s.plan();
        assertEquals(first, s.plan());
        assertFalse(first.placements().isEmpty());
        assertFalse(first.estimates().isEmpty());
    }

    @Test
    void aPlacementNeverOverbooksANode() {
        Snapshots s = aCluster();
        for (int i = 1; i <= 5; i++) {
            s.withBusyNode("n" + i, 8, i, 100 + i, "carol", Duration.ofMinutes(i));
        }
        for (int i = 1; i <= 40; i++) {
            s.queued(aJob(i, "alice", cores(1 + i % 5, Duration.ofMinutes(1 + i % 9))));
        }
        Plan plan = s.plan();
        Map<String, Integer> used = new TreeMap<>();
        for (int i = 1; i <= 5; i++) {
            used.put("n" + i, i);
        }
        for (Placement p : plan.placements()) {
            for (NodeSlot slot : p.slots()) {
                used.merge(slot.node(), slot.cores(), Integer::sum);
            }
        }
        used.forEach((n, c) -> assertTrue(c <= 8, n + " holds " + c + " of 8 cores"));
    }
}
