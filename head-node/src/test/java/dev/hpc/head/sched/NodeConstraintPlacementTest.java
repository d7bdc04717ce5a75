package dev.hpc.head.sched;

import dev.hpc.api.job.NodeConstraint;
import dev.hpc.api.job.NodeTraits;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static dev.hpc.head.sched.Snapshots.aCluster;
import static dev.hpc.head.sched.Snapshots.aJob;
import static dev.hpc.head.sched.Snapshots.cores;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 18: placement and backfill reservations keep to the nodes a task's constraint admits. */
class NodeConstraintPlacementTest {
    private static final NodeTraits IB = new NodeTraits(Set.of("ib"), Map.of("gpu_model", "v100"));

    private static List<String> placed(Plan plan, long job) {
        return plan.placements().stream().filter(p -> p.task().jobNumber() == job)
                .flatMap(p -> p.slots().stream()).map(s -> s.node()).toList();
    }

    @Test
    void aTaskWaitsForItsKindOfNodeEvenWhenOthersAreFree() {
        Plan plan = aCluster().withBusyNode("ib1", 4, 4, 99, Duration.ofMinutes(30), IB)
                .withFreeNode("plain1", 8)
                .queued(aJob(1, "alice", cores(2, Duration.ofHours(1)).withConstraint(NodeConstraint.parseFeatures("ib"))))
                .queued(aJob(2, "bob", cores(2, Duration.ofHours(1))))
                .plan();
        assertEquals(List.of(), placed(plan, 1));
        assertEquals(List.of("plain1"), placed(plan, 2));
        String reason = plan.waiting().get(new TaskKey(1, -1));
        assertTrue(reason.startsWith("waiting for resources: needs 1 node with 2 free cores and property ib"), reason);
        // the estimate comes from the ib node's release, not from the free node of another kind
        assertEquals(Snapshots.NOW.plus(Duration.ofMinutes(30)), plan.estimates().get(new TaskKey(1, -1)));
    }

    @Test
    void aReservationOnAKindOfNodeLetsShortWorkOfTheSameKindBackfill() {
        Plan plan = aCluster().withBusyNode("ib1", 4, 2, 99, Duration.ofMinutes(30), IB)
                .queued(aJob(1, "alice", cores(4, Duration.ofHours(1)).withConstraint(NodeConstraint.resource(
                        "gpu_model", "v100"))))
                .queued(aJob(2, "bob", cores(2, Duration.ofMinutes(10)).withConstraint(NodeConstraint.parseFeatures(
                        "ib"))))
                .queued(aJob(3, "carol", cores(2, Duration.ofHours(2)).withConstraint(NodeConstraint.parseFeatures(
                        "ib"))))
                .plan();
        assertEquals(List.of("ib1"), placed(plan, 2));
        assertEquals(List.of(), placed(plan, 3));
    }
}
