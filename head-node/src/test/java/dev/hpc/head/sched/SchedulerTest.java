package dev.hpc.head.sched;

import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulerTest {
    private static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");

    private static PendingTask aTask(long job, int cores) {
        return aTaskOn(job, 1, cores);
    }

    private static PendingTask aTaskOn(long job, int nodes, int cores) {
        return new PendingTask(new TaskKey(job, -1), "alice", "batch", Resources.DEFAULT.withNodes(nodes)
                .withCoresPerNode(cores), 0, Instant.EPOCH, PendingTask.Readiness.READY, "", 0, 0);
    }

    private static NodeCapacity aFreeNode(String name, int cores) {
        return new NodeCapacity(name, true, cores, cores, 0, 0);
    }

    private static ClusterSnapshot snapshot(List<PendingTask> queue, List<NodeCapacity> nodes) {
        return new ClusterSnapshot() {
            @Override
            public Iterable<PendingTask> queue() {
                return queue;
            }

            @Override
            public List<NodeCapacity> nodes() {
                return nodes;
            }
        };
    }

    private static List<Long> startedJobs(Plan plan) {
        return plan.placements().stream().map(p -> p.task().jobNumber()).toList();
    }

    @Test
    void startsTasksInQueueOrderWhileCoresLast() {
        Plan plan = Scheduler.plan(snapshot(List.of(aTask(1, 2), aTask(2, 2), aTask(3, 2)),
                List.of(aFreeNode("n1", 2), aFreeNode("n2", 2))), Policy.DEFAULT, NOW);
        assertEquals(List.of(1L, 2L), startedJobs(plan));
    }

    @Test
    void aTaskThatDoesNotFitDoesNotBlockSmallerOnesBehindIt() {
        Plan plan = Scheduler.plan(snapshot(List.of(aTask(1, 4), aTask(2, 1)), List.of(aFreeNode("n1", 2))),
                Policy.DEFAULT, NOW);
        assertEquals(List.of(2L), startedJobs(plan));
        assertTrue(plan.waiting().get(new TaskKey(1, -1)).startsWith("waiting for resources: needs 1 node with 4"),
                plan.waiting().toString());
    }

    @Test
    void spreadsWorkToTheNodeWithMostFreeCores() {
        Plan plan = Scheduler.plan(snapshot(List.of(aTask(1, 1), aTask(2, 1)),
                List.of(aFreeNode("n1", 2), aFreeNode("n2", 2))), Policy.DEFAULT, NOW);
        assertEquals(List.of("n1", "n2"), plan.placements().stream().map(p -> p.slots().get(0).node()).toList());
    }

    @Test
    void placesAMultiNodeTaskOnDistinctNodes() {
        Plan plan = Scheduler.plan(snapshot(List.of(aTaskOn(1, 3, 2)),
                List.of(aFreeNode("n1", 2), aFreeNode("n2", 4), aFreeNode("n3", 2))), Policy.DEFAULT, NOW);
        assertEquals(1, plan.placements().size());
        List<NodeSlot> slots = plan.placements().get(0).slots();
        assertEquals(List.of("n2", "n1", "n3"), slots.stream().map(NodeSlot::node).toList());
        assertTrue(slots.stream().allMatch(s -> s.cores() == 2));
    }

    @Test
    void aMultiNodeTaskWaitsWhenTooFewNodesHaveRoom() {
        Plan plan = Scheduler.plan(snapshot(List.of(aTaskOn(1, 2, 2)),
                List.of(aFreeNode("n1", 2), new NodeCapacity("n2", true, 2, 1, 0, 0))), Policy.DEFAULT, NOW);
        assertTrue(plan.placements().isEmpty());
    }

    @Test
    void offlineOrFullNodesTakeNothing() {
        Plan plan = Scheduler.plan(snapshot(List.of(aTask(1, 1)),
                List.of(new NodeCapacity("n1", false, 4, 4, 0, 0), new NodeCapacity("n2", true, 4, 0, 0, 0))),
                Policy.DEFAULT, NOW);
        assertTrue(plan.placements().isEmpty());
    }

    @Test
    void memoryIsMatchedPerNode() {
        PendingTask big = new PendingTask(new TaskKey(1, -1), "alice", "batch",
                Resources.DEFAULT.withMemoryPerNode(8L << 30), 0, Instant.EPOCH, PendingTask.Readiness.READY, "", 0, 0);
        Plan plan = Scheduler.plan(snapshot(List.of(big),
                List.of(new NodeCapacity("small", true, 4, 4, 4L << 30, 4L << 30),
                        new NodeCapacity("large", true, 4, 4, 16L << 30, 16L << 30))), Policy.DEFAULT, NOW);
        assertEquals("large", plan.placements().get(0).slots().get(0).node());
    }

    @Test
    void theArrayThrottleIsNeverExceededWithinOneCycle() {
        List<PendingTask> queue = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            queue.add(new PendingTask(new TaskKey(7, i), "alice", "batch", Resources.DEFAULT, 0, Instant.EPOCH,
                    PendingTask.Readiness.READY, "", 3, 1));
        }
        Plan plan = Scheduler.plan(snapshot(queue, List.of(aFreeNode("n1", 16))), Policy.DEFAULT, NOW);
        assertEquals(2, plan.placements().size(), "one already runs, so two more reach the throttle of 3");
        assertTrue(plan.waiting().get(new TaskKey(7, 3)).startsWith("array throttle"));
    }

    @Test
    void dependenciesAndStartTimesHoldTasksBack() {
        PendingTask waiting = new PendingTask(new TaskKey(2, -1), "alice", "batch", Resources.DEFAULT, 0,
                Instant.EPOCH, PendingTask.Readiness.WAITING, "afterok:1.c", 0, 0);
        PendingTask never = new PendingTask(new TaskKey(3, -1), "alice", "batch", Resources.DEFAULT, 0,
                Instant.EPOCH, PendingTask.Readiness.NEVER, "", 0, 0);
        PendingTask later = new PendingTask(new TaskKey(4, -1), "alice", "batch", Resources.DEFAULT, 0,
                NOW.plusSeconds(60), PendingTask.Readiness.READY, "", 0, 0);
        Plan plan = Scheduler.plan(snapshot(List.of(waiting, never, later), List.of(aFreeNode("n1", 4))),
                Policy.DEFAULT, NOW);
        assertTrue(plan.placements().isEmpty());
        assertEquals("waiting for dependency: afterok:1.c", plan.waiting().get(new TaskKey(2, -1)));
        assertEquals(List.of(3L), plan.unsatisfiable());
        assertTrue(plan.waiting().get(new TaskKey(4, -1)).startsWith("waiting for its start time"));
    }

    @Test
    void theSameSnapshotGivesTheSamePlan() {
        List<PendingTask> queue = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            queue.add(aTaskOn(i, 1 + i % 3, 1 + i % 4));
        }
        List<NodeCapacity> nodes = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            nodes.add(aFreeNode("n" + i, 1 + i % 5));
        }
        assertEquals(Scheduler.plan(snapshot(queue, nodes), Policy.DEFAULT, NOW),
                Scheduler.plan(snapshot(queue, nodes), Policy.DEFAULT, NOW));
    }

    @Test
    void stopsWalkingTheQueueOnceNoCoreIsFree() {
        List<PendingTask> queue = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            queue.add(aTask(i, 1));
        }
        Plan plan = Scheduler.plan(snapshot(queue, List.of(aFreeNode("n1", 2))),
                Policy.DEFAULT.withReservationDepth(0), NOW);
        assertEquals(2, plan.placements().size());
        assertTrue(plan.waiting().isEmpty(), "tasks behind a full cluster are not examined");
        Plan withBackfill = Scheduler.plan(snapshot(queue, List.of(aFreeNode("n1", 2))), Policy.DEFAULT, NOW);
        assertEquals(Policy.DEFAULT.reservationDepth(), withBackfill.waiting().size(),
                "once the cluster is full only the tasks that get a reservation are examined");
    }

    @Test
    void theCoreImportsNoMachinery() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/main/java/dev/hpc/head/sched"))) {
            for (Path f : files.toList()) {
                String source = Files.readString(f);
                for (String forbidden : List.of("import io.vertx", "import com.hazelcast", "import java.sql",
                        "Clock", "Thread", "System.currentTimeMillis", "Instant.now")) {
                    assertTrue(!source.contains(forbidden), f + " must not use " + forbidden);
                }
            }
        }
    }
}
