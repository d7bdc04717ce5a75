package dev.hpc.worker;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.wire.WireMessage.RunningTask;
import dev.hpc.api.wire.WireMessage.TaskResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskTableTest {

    /** A running attempt that records the kills it gets. */
    private static final class FakeAttempt implements RunningAttempt {
        final long pid;
        final List<EndReason> kills = new ArrayList<>();

        FakeAttempt(long pid) {
            this.pid = pid;
        }

        @Override
        public long pid() {
            return pid;
        }

        final List<String> signals = new ArrayList<>();

        @Override
        public String owner() {
            return "alice";
        }

        @Override
        public void signal(String signal) {
            signals.add(signal);
        }

        @Override
        public void kill(EndReason reason) {
            kills.add(reason);
        }
    }

    private static TaskResult exited(long attemptId) {
        return new TaskResult(attemptId, attemptId + ".c", 0, EndReason.EXITED, Instant.EPOCH);
    }

    @Test
    void anAttemptIsLaunchedOnceWhateverItsState() {
        TaskTable table = new TaskTable();
        assertTrue(table.beginLaunch(1, "1.c"));
        assertFalse(table.beginLaunch(1, "1.c"), "while launching");
        table.started(1, new FakeAttempt(100));
        assertFalse(table.beginLaunch(1, "1.c"), "while running");
        table.finished(exited(1));
        assertFalse(table.beginLaunch(1, "1.c"), "while unacknowledged");
        assertTrue(table.acknowledge(1));
        assertFalse(table.beginLaunch(1, "1.c"), "after the acknowledgement");
    }

    @Test
    void resultsWaitForTheirAcknowledgementInFinishingOrder() {
        TaskTable table = new TaskTable();
        for (long id = 1; id <= 3; id++) {
            table.beginLaunch(id, id + ".c");
            table.started(id, new FakeAttempt(100 + id));
        }
        table.finished(exited(3));
        table.finished(exited(1));
        assertEquals(List.of(3L, 1L), table.unacknowledged().stream().map(TaskResult::attemptId).toList());
        assertTrue(table.acknowledge(3));
        assertFalse(table.acknowledge(3), "a second acknowledgement changes nothing");
        assertFalse(table.acknowledge(99), "an unknown acknowledgement changes nothing");
        assertEquals(List.of(1L), table.unacknowledged().stream().map(TaskResult::attemptId).toList());
        assertEquals(List.of(new RunningTask(2, "2.c", 102)), table.running());
    }

    @Test
    void aKillDuringTheLaunchIsAppliedOnceStarted() {
        TaskTable table = new TaskTable();
        table.beginLaunch(1, "1.c");
        assertEquals(List.of(new RunningTask(1, "1.c", 0)), table.running());
        assertEquals(TaskTable.KillOutcome.PENDING, table.kill(1, EndReason.CANCELLED));
        assertEquals(Optional.of(EndReason.CANCELLED), table.started(1, new FakeAttempt(100)));
    }

    @Test
    void aKillOfARunningAttemptReachesItAndAnUnknownOneIsIgnored() {
        TaskTable table = new TaskTable();
        FakeAttempt a = new FakeAttempt(100);
        table.beginLaunch(1, "1.c");
        table.started(1, a);
        assertEquals(TaskTable.KillOutcome.KILLING, table.kill(1, EndReason.WALLTIME));
        assertEquals(List.of(EndReason.WALLTIME), a.kills);
        assertEquals(TaskTable.KillOutcome.NOT_RUNNING, table.kill(2, EndReason.CANCELLED));
        table.finished(exited(1));
        assertEquals(TaskTable.KillOutcome.NOT_RUNNING, table.kill(1, EndReason.CANCELLED));
        assertTrue(table.idle());
    }

    @Test
    void aStartWithoutALaunchIsABug() {
        assertThrows(IllegalStateException.class, () -> new TaskTable().started(7, new FakeAttempt(1)));
    }

    @Test
    void theMemoryOfAcknowledgedAttemptsIsBounded() {
        TaskTable table = new TaskTable(2);
        for (long id = 1; id <= 3; id++) {
            table.beginLaunch(id, id + ".c");
            table.finished(exited(id));
            table.acknowledge(id);
        }
        assertTrue(table.beginLaunch(1, "1.c"), "the oldest acknowledged id is forgotten");
        assertFalse(table.beginLaunch(3, "3.c"));
    }
}
