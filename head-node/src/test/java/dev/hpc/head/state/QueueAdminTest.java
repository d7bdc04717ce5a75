package dev.hpc.head.state;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.QueueInfo;
import dev.hpc.api.job.Resources;
import dev.hpc.head.sched.QueueDef;
import dev.hpc.head.sched.QueueSettings;
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
 * Issue 20: {@code qmgr} changes the queues through the one commit, so that they are replicated and durable like
 * jobs; a change is checked whole before anything changes, and a queue with live jobs is not deleted.
 */
class QueueAdminTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    private ClusterState state;

    @BeforeEach
    void aHeadWithNoQueueConfigured() {
        state = new ClusterState("c", 1, 1, 3);
    }

    private Outcome change(String queue, Command.QueueChange change, Map<String, String> set, Set<String> unset) {
        return state.apply(new Command.ChangeQueue(queue, change, set, unset, "root"));
    }

    private static JobSpec aJob(String queue, Duration walltime) {
        return new JobSpec("job", "alice", "login", "#!/bin/bash\ntrue\n", "/home/alice", "/home/alice", Map.of(), queue,
                Resources.DEFAULT.withWalltime(walltime), Optional.empty(), List.of(), false, 0, true, "", "",
                JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
    }

    private QueueInfo queue(String name) {
        return state.queueInfos(T0).stream().filter(q -> q.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aQueueCreatedTakesJobsAndItsLimitsAtOnceAndTheChangeIsCommitted() {
        Outcome created = change("debug", Command.QueueChange.CREATE, Map.of("max-walltime", "00:30:00",
                "priority", "100"), Set.of());
        assertTrue(created.changedQueues().isPresent(), "the queues are part of the commit");
        assertEquals(List.of("batch", "debug"), state.queueInfos(T0).stream().map(QueueInfo::name).toList(),
                "the implicit default queue stays beside the new one");
        assertEquals(Duration.ofMinutes(30), queue("debug").maxWalltime());
        state.apply(new Command.Admit(state.prepareSubmit(aJob("debug", Duration.ofMinutes(10)), T0)));
        InvalidRequestException tooLong = assertThrows(InvalidRequestException.class,
                () -> state.prepareSubmit(aJob("debug", Duration.ofHours(2)), T0));
        assertTrue(tooLong.getMessage().contains("debug"), tooLong.getMessage());

        change("debug", Command.QueueChange.SET, Map.of("max-walltime", "4h"), Set.of("priority"));
        assertEquals(Duration.ofHours(4), queue("debug").maxWalltime());
        assertEquals(0, queue("debug").priority(), "unset goes back to the default");
        state.prepareSubmit(aJob("debug", Duration.ofHours(2)), T0);
    }

    @Test
    void aBadChangeIsRefusedWholeAndChangesNothing() {
        change("debug", Command.QueueChange.CREATE, Map.of("max-walltime", "1h"), Set.of());
        String before = state.committedQueues().orElseThrow();
        Rejection bad = assertThrows(Rejection.class, () -> change("debug", Command.QueueChange.SET,
                Map.of("default-walltime", "2h", "priority", "5"), Set.of()));
        assertTrue(bad.getMessage().contains("default-walltime") && bad.getMessage().contains("longer than its "
                + "max-walltime"), bad.getMessage());
        assertThrows(Rejection.class, () -> change("debug", Command.QueueChange.SET, Map.of("maxwalltime", "1h"),
                Set.of()));
        assertThrows(Rejection.class, () -> change("debug", Command.QueueChange.CREATE, Map.of(), Set.of()));
        assertThrows(Rejection.class, () -> change("nosuch", Command.QueueChange.SET, Map.of("priority", "1"),
                Set.of()));
        assertThrows(Rejection.class, () -> change("bad name!", Command.QueueChange.CREATE, Map.of(), Set.of()));
        // a longer name could be made the default queue, and a job in it would be refused by the store
        Rejection tooLong = assertThrows(Rejection.class, () -> change("q".repeat(65), Command.QueueChange.CREATE,
                Map.of(), Set.of()));
        assertTrue(tooLong.getMessage().contains("at most 64 characters long, got 65"), tooLong.getMessage());
        change("q".repeat(64), Command.QueueChange.CREATE, Map.of(), Set.of());
        before = state.committedQueues().orElseThrow();
        // a longer name that an older head let qmgr make still loads: the head must start with what it stored
        ClusterState older = new ClusterState("c", 2, 1, 3);
        older.restoreQueues(QueueSettings.body(List.of(QueueDef.open("q".repeat(100))), "q".repeat(100), 1));
        assertTrue(older.queuesCommitted());
        assertEquals(before, state.committedQueues().orElseThrow(), "nothing changed");
    }

    @Test
    void aQueueWithLiveJobsOrTheDefaultQueueIsNotDeleted() {
        change("debug", Command.QueueChange.CREATE, Map.of(), Set.of());
        state.apply(new Command.Admit(state.prepareSubmit(aJob("debug", Duration.ZERO), T0)));
        Rejection busy = assertThrows(Rejection.class,
                () -> change("debug", Command.QueueChange.DELETE, Map.of(), Set.of()));
        assertTrue(busy.getMessage().contains("not empty"), busy.getMessage());
        Rejection isDefault = assertThrows(Rejection.class,
                () -> change("batch", Command.QueueChange.DELETE, Map.of(), Set.of()));
        assertTrue(isDefault.getMessage().contains("default queue"), isDefault.getMessage());

        change("debug", Command.QueueChange.MAKE_DEFAULT, Map.of(), Set.of());
        assertTrue(queue("debug").isDefault());
        change("batch", Command.QueueChange.DELETE, Map.of(), Set.of());
        assertEquals(List.of("debug"), state.queueInfos(T0).stream().map(QueueInfo::name).toList());
    }

    @Test
    void aHeadThatRestoresTheCommittedQueuesHasTheSameAndTheVersionsRise() {
        long first = QueueSettings.read(change("debug", Command.QueueChange.CREATE, Map.of("started", "false"),
                Set.of()).changedQueues().orElseThrow()).version();
        String body = change("debug", Command.QueueChange.SET, Map.of("nodes", "n1,n2"), Set.of()).changedQueues()
                .orElseThrow();
        assertTrue(QueueSettings.read(body).version() > first, "each change a newer version");

        ClusterState standby = new ClusterState("c", 2, 1, 3);
        assertFalse(standby.queuesCommitted());
        standby.restoreQueues(body);
        assertTrue(standby.queuesCommitted(), "the configuration file's queues no longer apply");
        assertEquals(state.queueInfos(T0), standby.queueInfos(T0));
        assertFalse(standby.queueInfos(T0).stream().filter(q -> q.name().equals("debug")).findFirst().orElseThrow()
                .started());
        assertEquals(List.of("n1", "n2"), standby.queueInfos(T0).stream().filter(q -> q.name().equals("debug")).findFirst()
                .orElseThrow().nodes());
    }
}
