package dev.hpc.head.sched;

import dev.hpc.api.job.NodeSlot;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static dev.hpc.head.sched.Snapshots.NOW;
import static dev.hpc.head.sched.Snapshots.aCluster;
import static dev.hpc.head.sched.Snapshots.aJob;
import static dev.hpc.head.sched.Snapshots.inQueue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 19, item 6: which running tasks a waiting task of a preempting queue stops, and when it stops none. */
class PreemptionTest {
    private static final QueueDef LOW = QueueDef.open("low");
    private static final QueueDef BATCH = QueueDef.open("batch").withPriority(10);
    private static final QueueDef HIGH = QueueDef.open("high").withPriority(100)
            .withPreemption(Set.of("low", "batch"), QueueDef.PreemptMode.REQUEUE, Duration.ofSeconds(30));

    /** A task of {@code queue} holding {@code cores} of {@code node}, started {@code agoSeconds} before now. */
    private static RunningTask running(long job, String queue, String node, int cores, long agoSeconds, int priority) {
        return new RunningTask(new TaskKey(job, -1), "bob", queue, List.of(new NodeSlot(node, cores, 0)), Map.of(),
                NOW.minusSeconds(agoSeconds), Duration.ZERO, dev.hpc.api.job.NodeAccess.Sharing.SHARED, priority);
    }

    private static Snapshots queues(Snapshots s) {
        return s.withQueue(LOW).withQueue(BATCH).withQueue(HIGH);
    }

    private static List<Long> victims(Snapshots s) {
        ClusterSnapshot snapshot = s.build();
        return Preemptions.plan(snapshot, Scheduler.plan(snapshot, Policy.DEFAULT, NOW)).stream()
                .map(p -> p.victim().jobNumber()).toList();
    }

    private static Snapshots fullNode(String node, int cores) {
        return aCluster().withNode(new NodeCapacity(node, true, cores, 0, 0, 0));
    }

    @Test
    void stopsTheLowestPriorityMostRecentlyStartedTaskAndNoMore() {
        Snapshots s = queues(fullNode("n1", 4))
                .withRunning(running(1, "low", "n1", 1, 300, 0))
                .withRunning(running(2, "low", "n1", 1, 60, 0)) // the newest of the lowest
                .withRunning(running(3, "batch", "n1", 1, 10, 0))
                .withRunning(running(4, "low", "n1", 1, 30, 5))
                .queued(inQueue(aJob(10, "alice", 1), "high"));
        assertEquals(List.of(2L), victims(s));
        // two cores: the two lowest by queue and job priority, newest first
        Snapshots two = queues(fullNode("n1", 4))
                .withRunning(running(1, "low", "n1", 1, 300, 0))
                .withRunning(running(2, "low", "n1", 1, 60, 0))
                .withRunning(running(3, "batch", "n1", 1, 10, 0))
                .withRunning(running(4, "low", "n1", 1, 30, 5))
                .queued(inQueue(aJob(10, "alice", 2), "high"));
        assertEquals(List.of(2L, 1L), victims(two));
    }

    @Test
    void dropsVictimsThatTurnOutNotToBeNeeded() {
        // the newest victim alone frees too little on n1; the older one on n2 is enough by itself
        Snapshots s = queues(aCluster().withNode(new NodeCapacity("n1", true, 4, 0, 0, 0))
                .withNode(new NodeCapacity("n2", true, 4, 0, 0, 0)))
                .withRunning(running(1, "low", "n1", 2, 10, 0))
                .withRunning(running(5, "low", "n1", 2, 500, 0))
                .withRunning(running(2, "low", "n2", 4, 100, 0))
                .queued(inQueue(aJob(10, "alice", 4), "high"));
        assertEquals(List.of(2L), victims(s));
    }

    @Test
    void preemptsNothingWhenFreeRoomSufficesOrNothingMayBeStopped() {
        // room enough: the scheduler starts it
        assertEquals(List.of(), victims(queues(aCluster().withFreeNode("n1", 4))
                .withRunning(running(1, "low", "n1", 0, 60, 0))
                .queued(inQueue(aJob(10, "alice", 1), "high"))));
        // a queue it does not name
        QueueDef other = QueueDef.open("other");
        assertEquals(List.of(), victims(queues(fullNode("n1", 1)).withQueue(other)
                .withRunning(running(1, "other", "n1", 1, 60, 0))
                .queued(inQueue(aJob(10, "alice", 1), "high"))));
        // a named queue of equal priority is never preempted
        QueueDef equal = QueueDef.open("low").withPriority(100);
        assertEquals(List.of(), victims(queues(fullNode("n1", 1)).withQueue(equal)
                .withRunning(running(1, "low", "n1", 1, 60, 0))
                .queued(inQueue(aJob(10, "alice", 1), "high"))));
        // a queue that preempts nothing
        assertEquals(List.of(), victims(queues(fullNode("n1", 1))
                .withRunning(running(1, "low", "n1", 1, 60, 0))
                .queued(inQueue(aJob(10, "alice", 1), "batch"))));
        // even every allowed victim would not make room: none is stopped
        assertEquals(List.of(), victims(queues(aCluster().withNode(new NodeCapacity("n1", true, 4, 0, 0, 0)))
                .withRunning(running(1, "low", "n1", 2, 60, 0))
                .withRunning(running(2, "high", "n1", 2, 60, 0))
                .queued(inQueue(aJob(10, "alice", 4), "high"))));
    }

    @Test
    void aTaskBeingPreemptedIsNotChosenAgainAndItsPreemptorWaits() {
        Snapshots s = queues(fullNode("n1", 2))
                .withRunning(running(1, "low", "n1", 1, 300, 0))
                .withRunning(running(2, "low", "n1", 1, 60, 0))
                .withPreempting(2, 10)
                .queued(inQueue(aJob(10, "alice", 1), "high"))
                .queued(inQueue(aJob(11, "alice", 1), "high"));
        // 10 waits for its victim; 11 takes the other one, not 2 again
        assertEquals(List.of(1L), victims(s));
    }

    @Test
    void onlyTasksThePlanExaminedPreempt() {
        ClusterSnapshot snapshot = queues(fullNode("n1", 2))
                .withRunning(running(1, "low", "n1", 1, 300, 0))
                .withRunning(running(2, "low", "n1", 1, 60, 0))
                .queued(inQueue(aJob(10, "alice", 1), "high"))
                .queued(inQueue(aJob(11, "alice", 1), "high")).build();
        Plan plan = Scheduler.plan(snapshot, Policy.DEFAULT.withMaxTasksExamined(1), NOW);
        assertEquals(List.of(new Preemptions.Preemption(new TaskKey(2, -1), new TaskKey(10, -1), "low", "high")),
                Preemptions.plan(snapshot, plan));
    }

    @Test
    void theSameSnapshotGivesTheSamePreemptions() {
        Snapshots s = queues(aCluster().withNode(new NodeCapacity("n1", true, 4, 0, 0, 0))
                .withNode(new NodeCapacity("n2", true, 4, 0, 0, 0)))
                .withRunning(running(1, "low", "n1", 4, 60, 0))
                .withRunning(running(2, "low", "n2", 4, 60, 0))
                .queued(inQueue(aJob(10, "alice", 4), "high"))
                .queued(inQueue(aJob(11, "alice", 4), "high"));
        List<Long> first = victims(s);
        assertEquals(List.of(2L, 1L), first);
        for (int i = 0; i < 5; i++) {
            assertEquals(first, victims(s));
        }
    }

    @Test
    void queueSettingsReadAndWriteThePreemptionKeys() {
        QueueDef q = QueueSettings.parse("high", Map.of("priority", "100", "preempt-targets", "low, batch",
                "preempt-mode", "cancel", "preempt-grace", "5s"));
        assertEquals(Set.of("low", "batch"), q.preemptTargets());
        assertEquals(QueueDef.PreemptMode.CANCEL, q.preemptMode());
        assertEquals(Duration.ofSeconds(5), q.preemptGrace());
        assertEquals(q, QueueSettings.parse("high", QueueSettings.of(q)));
        assertEquals(QueueDef.PreemptMode.REQUEUE, QueueSettings.parse("low", Map.of()).preemptMode());
        String self = org.junit.jupiter.api.Assertions.assertThrows(dev.hpc.api.HpcException.class,
                () -> QueueSettings.parse("high", Map.of("preempt-targets", "high"))).getMessage();
        org.junit.jupiter.api.Assertions.assertTrue(self.contains("itself"), self);
        String mode = org.junit.jupiter.api.Assertions.assertThrows(dev.hpc.api.HpcException.class,
                () -> QueueSettings.parse("low", Map.of("preempt-mode", "suspend"))).getMessage();
        org.junit.jupiter.api.Assertions.assertTrue(mode.contains("requeue or cancel"), mode);
    }
}
