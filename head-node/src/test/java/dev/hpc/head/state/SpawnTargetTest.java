package dev.hpc.head.state;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobId;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.Resources;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 6 (MPI and multi-node jobs): what the state tells the spawn API, and the kills at an attempt's end. */
class SpawnTargetTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    private ClusterState state;

    @BeforeEach
    void threeNodes() {
        state = new ClusterState("c", 1, 1, 3);
        for (String n : List.of("n1", "n2", "n3")) {
            state.apply(new Command.RegisterNode(new Register(n, "host-" + n, 2, 8L << 30, Map.of(), "", List.of(),
                    List.of()), T0));
        }
    }

    private long startThreeNodeJob() {
        Job prepared = state.prepareSubmit(ClusterStateTest.aJob(new Resources(3, 2, 0, Duration.ZERO, 1, Map.of()),
                true), T0);
        state.apply(new Command.Admit(prepared));
        Plan plan = Scheduler.plan(state.snapshot(), Policy.DEFAULT, T0);
        state.apply(new Command.Start(plan.placements(), T0));
        return state.job(1).orElseThrow().tasks().get(0).currentAttemptId();
    }

    @Test
    void aRunningAttemptIsASpawnTargetWithItsWholeAllocation() {
        long attempt = startThreeNodeJob();
        SpawnTarget t = state.spawnTarget(attempt).orElseThrow();
        assertEquals(1, t.jobNumber());
        assertEquals("1.c", t.taskName());
        assertEquals(Set.of("n1", "n2", "n3"), new TreeSet<>(t.nodes().stream().map(NodeSlot::node).toList()));
        assertEquals(0, t.nodeIndex(t.nodes().get(0).node()));
        assertEquals(-1, t.nodeIndex("n9"));
        assertTrue(state.spawnTarget(attempt + 1).isEmpty(), "an unknown attempt is no target");
    }

    @Test
    void theEndOfTheScriptKillsWhatTheOtherNodesRunForTheAttempt() {
        long attempt = startThreeNodeJob();
        List<NodeSlot> nodes = state.spawnTarget(attempt).orElseThrow().nodes();
        String first = nodes.get(0).node();
        Outcome out = state.apply(new Command.Finish(first, new TaskResult(attempt, "1.c", 0, EndReason.EXITED, T0)));
        Set<String> killed = new TreeSet<>();
        for (Effect e : out.effects()) {
            if (e instanceof Effect.Kill k && k.attemptId() == attempt) {
                killed.add(k.node());
            }
        }
        assertEquals(Set.of(nodes.get(1).node(), nodes.get(2).node()), killed);
        assertTrue(state.spawnTarget(attempt).isEmpty(), "an ended attempt takes no spawns");
    }

    @Test
    void aCancelledAttemptTakesNoMoreSpawns() {
        long attempt = startThreeNodeJob();
        Outcome out = state.apply(new Command.Cancel(JobId.parse("1"), "alice", T0));
        assertEquals(3, out.effects().stream().filter(e -> e instanceof Effect.Kill).count(),
                "every node of the allocation is told to kill the attempt");
        assertTrue(state.spawnTarget(attempt).isEmpty());
    }
}
