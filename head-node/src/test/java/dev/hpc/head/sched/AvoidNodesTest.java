package dev.hpc.head.sched;

import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Resources;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 4: a requeued task keeps off the nodes that failed it, unless that would strand it. */
class AvoidNodesTest {
    private static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");

    private static PendingTask aRequeuedTask(long job, int nodes, int cores, Set<String> failedOn) {
        return new PendingTask(new TaskKey(job, -1), "alice", "batch", Resources.DEFAULT.withNodes(nodes)
                .withCoresPerNode(cores), 0, Instant.EPOCH, PendingTask.Readiness.READY, "", 0, 0, failedOn);
    }

    private static NodeCapacity aNode(String name, int cores, int free) {
        return new NodeCapacity(name, true, cores, free, 0, 0);
    }

    private static NodeCapacity anOfflineNode(String name, int cores) {
        return new NodeCapacity(name, false, cores, cores, 0, 0);
    }

    private static Plan plan(List<PendingTask> queue, List<NodeCapacity> nodes) {
        return Scheduler.plan(new ClusterSnapshot() {
            @Override
            public Iterable<PendingTask> queue() {
                return queue;
            }

            @Override
            public List<NodeCapacity> nodes() {
                return nodes;
            }
        }, Policy.DEFAULT, NOW);
    }

    private static List<String> nodesOf(Plan plan) {
        return plan.placements().stream().flatMap(p -> p.slots().stream()).map(NodeSlot::node).toList();
    }

    @Test
    void keepsOffTheFailedNodeEvenWhenItHasTheMostRoom() {
        Plan p = plan(List.of(aRequeuedTask(1, 1, 1, Set.of("n1"))), List.of(aNode("n1", 4, 4), aNode("n2", 4, 1)));
        assertEquals(List.of("n2"), nodesOf(p));
    }

    @Test
    void waitsForAnotherNodeRatherThanGoBackWhileOneCouldHoldIt() {
        Plan p = plan(List.of(aRequeuedTask(1, 1, 2, Set.of("n1"))), List.of(aNode("n1", 2, 2), aNode("n2", 2, 0)));
        assertTrue(p.placements().isEmpty());
        String why = p.waiting().get(new TaskKey(1, -1));
        assertTrue(why.contains("keeping off n1, where an earlier attempt failed"), why);
    }

    @Test
    void goesBackToAFailedNodeWhenNoOtherSchedulableNodeCouldEverHoldIt() {
        Plan small = plan(List.of(aRequeuedTask(1, 1, 4, Set.of("n1"))), List.of(aNode("n1", 4, 4), aNode("n2", 2, 2)));
        assertEquals(List.of("n1"), nodesOf(small), "n2 is too small for it");
        Plan offline = plan(List.of(aRequeuedTask(1, 1, 1, Set.of("n1"))), List.of(aNode("n1", 2, 2),
                anOfflineNode("n2", 2)));
        assertEquals(List.of("n1"), nodesOf(offline), "n2 takes no work");
    }

    @Test
    void aMultiNodeTaskKeepsOffFailedNodesWhileEnoughOthersExist() {
        Plan p = plan(List.of(aRequeuedTask(1, 2, 1, Set.of("n1"))), List.of(aNode("n1", 2, 2), aNode("n2", 2, 2),
                aNode("n3", 2, 2)));
        assertEquals(List.of("n2", "n3"), nodesOf(p));
        Plan tight = plan(List.of(aRequeuedTask(1, 2, 1, Set.of("n1", "n2"))), List.of(aNode("n1", 2, 2),
                aNode("n2", 2, 2), aNode("n3", 2, 2)));
        assertEquals(2, nodesOf(tight).size(), "only n3 is left: the avoidance gives way");
    }

    @Test
    void otherTasksStillUseTheFailedNode() {
        PendingTask fresh = new PendingTask(new TaskKey(2, -1), "alice", "batch", Resources.DEFAULT, 0, Instant.EPOCH,
                PendingTask.Readiness.READY, "", 0, 0);
        Plan p = plan(List.of(aRequeuedTask(1, 1, 1, Set.of("n1")), fresh), List.of(aNode("n1", 2, 2),
                aNode("n2", 1, 1)));
        assertEquals(List.of("n2", "n1"), nodesOf(p));
    }

    @Test
    void theSameSnapshotGivesTheSamePlan() {
        List<PendingTask> q = List.of(aRequeuedTask(1, 1, 1, Set.of("n2", "n1")), aRequeuedTask(2, 1, 1, Set.of("n3")));
        List<NodeCapacity> n = List.of(aNode("n1", 2, 2), aNode("n2", 2, 2), aNode("n3", 2, 2));
        assertEquals(plan(q, n), plan(q, n));
    }
}
