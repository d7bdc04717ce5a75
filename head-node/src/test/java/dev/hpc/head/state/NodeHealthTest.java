package dev.hpc.head.state;

import dev.hpc.api.job.Alert;
import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Health;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.job.OfflineOrigin;
import dev.hpc.api.job.Resources;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.RunningTask;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.head.RequestRejected;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.hpc.head.state.ClusterStateTest.aJob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 4: node states, health verdicts, failure detection, requeue, admin commands and alerts. */
class NodeHealthTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    private static final Health HEALTHY = new Health(0.5, 1L << 30, 1L << 30, true, "");
    private ClusterState state;

    private static Health failing(String message) {
        return new Health(0.5, 1L << 30, 1L << 30, false, message);
    }

    @BeforeEach
    void twoNodes() {
        state = new ClusterState("c", 1, 1, 3);
        register("n1", HEALTHY);
        register("n2", HEALTHY);
    }

    private Outcome register(String name, Health health, RunningTask... running) {
        return state.apply(new Command.RegisterNode(new Register(name, name, 2, 8L << 30, Map.of(), "",
                List.of(running), List.of(), health), T0));
    }

    private Job submit(boolean rerunnable) {
        Job prepared = state.prepareSubmit(aJob(Resources.DEFAULT, rerunnable), T0);
        return state.apply(new Command.Admit(prepared)).answer().orElseThrow();
    }

    private Outcome cycle() {
        Plan plan = Scheduler.plan(state.snapshot(), Policy.DEFAULT, T0);
        return state.apply(new Command.Start(plan.placements(), T0));
    }

    private Job job(long n) {
        return state.job(n).orElseThrow();
    }

    private String nodeOf(long n) {
        List<dev.hpc.api.job.Attempt> a = job(n).tasks().get(0).attempts();
        return a.get(a.size() - 1).nodes().get(0).node();
    }

    private long attemptOf(long n) {
        return job(n).tasks().get(0).currentAttemptId();
    }

    private NodeInfo node(String name) {
        return state.node(name).orElseThrow();
    }

    private static List<Alert.Kind> kinds(Outcome out) {
        return out.alerts().stream().map(Alert::kind).toList();
    }

    private Outcome heartbeat(String node, Health health, Instant now) {
        return state.apply(new Command.Heartbeat(node, health, now));
    }

    // ---- offline by an administrator

    @Test
    void anOfflineNodeTakesNoNewWorkWhileItsRunningWorkGoesOn() {
        submit(true);
        cycle();
        String busy = nodeOf(1);
        String other = busy.equals("n1") ? "n2" : "n1";
        Outcome out = state.apply(new Command.SetOffline(busy, "memory errors", "root", T0));
        state.apply(new Command.SetOffline(other, "", "root", T0));

        assertEquals(NodeState.OFFLINE, node(busy).state());
        assertEquals("memory errors", node(busy).reason());
        assertEquals(OfflineOrigin.ADMIN, node(busy).offlineBy());
        assertEquals("taken offline by root", node(other).reason());
        assertEquals(List.of(Alert.Kind.NODE_OFFLINE), kinds(out));
        assertEquals(busy, out.nodeAnswer().orElseThrow().name());
        assertEquals(List.of(busy), out.changedNodes().stream().map(NodeInfo::name).toList(), "persisted");
        assertEquals(JobState.RUNNING, job(1).state(), "running work goes on");
        submit(true);
        assertTrue(cycle().effects().isEmpty(), "no new work on offline nodes");
        assertEquals(JobState.QUEUED, job(2).state());
    }

    @Test
    void clearingAnOfflineNodePutsItBackInService() {
        state.apply(new Command.SetOffline("n1", "", "root", T0));
        state.apply(new Command.SetOffline("n2", "", "root", T0));
        submit(true);
        assertTrue(cycle().effects().isEmpty());

        Outcome cleared = state.apply(new Command.ClearNode("n2", "root", T0));

        assertEquals(NodeState.FREE, node("n2").state());
        assertEquals("", node("n2").reason());
        assertEquals(List.of(Alert.Kind.NODE_BACK), kinds(cleared));
        assertTrue(cleared.needsReschedule());
        cycle();
        assertEquals("n2", nodeOf(1));
    }

    @Test
    void nodeCommandsOnAnUnknownNodeAreRejectedAndChangeNothing() {
        for (Command c : List.of(new Command.SetOffline("nx", "", "root", T0), new Command.ClearNode("nx", "root", T0),
                new Command.Drain("nx", "", "root", T0), new Command.StopNode("nx", false, "root", T0))) {
            Rejection e = assertThrows(Rejection.class, () -> state.apply(c));
            assertEquals(404, RequestRejected.from(e).status());
            assertEquals("UNKNOWN_NODE", e.kind().name());
        }
        assertEquals(2, state.nodes().size());
    }

    // ---- health checks

    @Test
    void aFailingHealthCheckTakesTheNodeOfflineWithItsMessageAndAPassingOneBringsItBack() {
        Outcome sick = heartbeat("n1", failing("ERROR nhc: /scratch is full"), T0);

        assertEquals(NodeState.OFFLINE, node("n1").state());
        assertEquals(OfflineOrigin.HEALTH_CHECK, node("n1").offlineBy());
        assertEquals("health check failed: ERROR nhc: /scratch is full", node("n1").reason());
        assertEquals(List.of(Alert.Kind.NODE_OFFLINE), kinds(sick));
        assertEquals(1, sick.changedNodes().size());
        assertTrue(kinds(heartbeat("n1", failing("ERROR nhc: /scratch is full"), T0)).isEmpty(), "no repeat");

        Outcome well = heartbeat("n1", HEALTHY, T0.plusSeconds(30));
        assertEquals(NodeState.FREE, node("n1").state());
        assertEquals(List.of(Alert.Kind.NODE_BACK), kinds(well));
        assertTrue(well.needsReschedule());
    }

    @Test
    void aPassingHealthCheckDoesNotClearAnAdministratorsOfflineMark() {
        state.apply(new Command.SetOffline("n1", "disk swap", "root", T0));
        heartbeat("n1", failing("ERROR bad"), T0);
        Outcome passes = heartbeat("n1", HEALTHY, T0);

        assertEquals(NodeState.OFFLINE, node("n1").state());
        assertEquals(OfflineOrigin.ADMIN, node("n1").offlineBy());
        assertEquals("disk swap", node("n1").reason());
        assertTrue(passes.alerts().isEmpty());
    }

    @Test
    void aNodeClearedWhileItsCheckStillFailsGoesOfflineAgainAtTheNextHeartbeat() {
        heartbeat("n1", failing("ERROR bad"), T0);
        state.apply(new Command.ClearNode("n1", "root", T0));
        assertEquals(NodeState.FREE, node("n1").state());
        heartbeat("n1", failing("ERROR bad"), T0);
        assertEquals(NodeState.OFFLINE, node("n1").state());
        assertEquals(OfflineOrigin.HEALTH_CHECK, node("n1").offlineBy());
    }

    @Test
    void aRegistrationWithAFailingCheckTakesNoWorkEvenBeforeItsFirstHeartbeat() {
        state = new ClusterState("c", 1, 1, 3);
        register("n1", failing("ERROR not ready"));
        submit(true);
        assertTrue(cycle().effects().isEmpty());
        assertEquals(NodeState.OFFLINE, node("n1").state());
    }

    @Test
    void theMessageOfAFailingCheckFollowsTheScript() {
        heartbeat("n1", failing("ERROR one"), T0);
        Outcome changed = heartbeat("n1", failing("ERROR two"), T0);
        assertEquals("health check failed: ERROR two", node("n1").reason());
        assertEquals(1, changed.changedNodes().size());
        assertTrue(changed.alerts().isEmpty());
    }

    // ---- drain and stop

    @Test
    void aDrainingNodeFinishesItsWorkButTakesNoNew() {
        submit(true);
        cycle();
        String busy = nodeOf(1);
        String other = busy.equals("n1") ? "n2" : "n1";
        state.apply(new Command.Drain(busy, "", "root", T0));
        state.apply(new Command.Drain(other, "kernel update", "root", T0));

        assertEquals(NodeState.DRAINING, node(busy).state());
        assertEquals("draining: requested by root", node(busy).reason());
        assertEquals("kernel update", node(other).reason());
        submit(true);
        assertTrue(cycle().effects().isEmpty());
        state.apply(new Command.Finish(busy, new TaskResult(attemptOf(1), "1.c", 0, EndReason.EXITED, T0)));
        assertEquals(JobState.COMPLETED, job(1).state());
        assertEquals(NodeState.DRAINING, node(busy).state(), "a drain without stop keeps the node up");
    }

    @Test
    void aStopWithDrainShutsTheWorkerDownOnceItsTasksHaveEnded() {
        submit(true);
        cycle();
        String busy = nodeOf(1);
        Outcome asked = state.apply(new Command.StopNode(busy, true, "root", T0));
        assertFalse(asked.effects().stream().anyMatch(e -> e instanceof Effect.Shutdown));
        assertEquals(NodeState.DRAINING, asked.nodeAnswer().orElseThrow().state());

        Outcome done = state.apply(new Command.Finish(busy, new TaskResult(attemptOf(1), "1.c", 0, EndReason.EXITED,
                T0)));

        assertTrue(done.effects().stream().anyMatch(e -> e instanceof Effect.Shutdown s && s.node().equals(busy)));
        assertEquals(NodeState.DOWN, node(busy).state());
        assertTrue(node(busy).reason().startsWith("stopped"), node(busy).reason());
        assertEquals(JobState.COMPLETED, job(1).state());
        assertTrue(state.silentNodes(T0.plusSeconds(3600)).stream().noneMatch(busy::equals),
                "a stopped node is not a failed one");
    }

    @Test
    void aStopWithDrainOfAnIdleNodeShutsItDownAtOnce() {
        Outcome out = state.apply(new Command.StopNode("n2", true, "root", T0));
        assertTrue(out.effects().stream().anyMatch(e -> e instanceof Effect.Shutdown s && s.node().equals("n2")));
        assertEquals(NodeState.DOWN, out.nodeAnswer().orElseThrow().state());
    }

    @Test
    void aStopWithoutDrainMovesTheTasksNowAndShutsTheWorkerDown() {
        submit(true);
        cycle();
        String busy = nodeOf(1);
        Outcome out = state.apply(new Command.StopNode(busy, false, "root", T0));

        assertTrue(out.effects().stream().anyMatch(e -> e instanceof Effect.Shutdown));
        assertEquals(JobState.QUEUED, job(1).state());
        assertEquals(List.of(Alert.Kind.TASK_REQUEUED), kinds(out));
        assertEquals(NodeState.DOWN, node(busy).state());
        Rejection again = assertThrows(Rejection.class,
                () -> state.apply(new Command.StopNode(busy, false, "root", T0)));
        assertEquals(409, RequestRejected.from(again).status());
    }

    @Test
    void aWorkerThatRegistersAfterAStopTakesWorkAgain() {
        state.apply(new Command.StopNode("n1", true, "root", T0));
        Outcome back = register("n1", HEALTHY);
        assertEquals(NodeState.FREE, node("n1").state());
        assertTrue(back.alerts().isEmpty(), "a worker that was stopped and started is no alarm");
    }

    // ---- failure detection and requeue

    @Test
    void aLostNodeIsDownWithItsReasonAndItsTasksAreRequeuedWithAlerts() {
        submit(true);
        cycle();
        String lost = nodeOf(1);
        Outcome out = state.apply(new Command.LoseNode(lost, "no heartbeat for 5000 ms", EndReason.NODE_FAILURE,
                T0));

        assertEquals(NodeState.DOWN, node(lost).state());
        assertEquals("no heartbeat for 5000 ms", node(lost).reason());
        assertEquals(List.of(Alert.Kind.TASK_REQUEUED, Alert.Kind.NODE_DOWN), kinds(out));
        Alert requeued = out.alerts().get(0);
        assertEquals("1.c", requeued.subject());
        assertTrue(requeued.message().contains("node " + lost + " failed (no heartbeat for 5000 ms)"),
                requeued.message());
        assertEquals(lost, out.alerts().get(1).subject());
        assertEquals(JobState.QUEUED, job(1).state());
        assertEquals(EndReason.NODE_FAILURE, job(1).tasks().get(0).attempts().get(0).reason());
    }

    @Test
    void aNonRerunnableTaskOfALostNodeFailsWithAnAlert() {
        submit(false);
        cycle();
        Outcome out = state.apply(new Command.LoseNode(nodeOf(1), "gone", EndReason.NODE_FAILURE, T0));
        assertEquals(JobState.FAILED, job(1).state());
        assertEquals(EndReason.NODE_FAILURE, job(1).reason());
        assertTrue(kinds(out).contains(Alert.Kind.TASK_FAILED_NODE_FAILURE));
        assertTrue(out.alerts().get(0).message().contains("not rerunnable"), out.alerts().get(0).message());
    }

    @Test
    void aTaskRequeuedTooOftenFailsWithAnAlert() {
        state = new ClusterState("c", 1, 1, 1);
        register("n1", HEALTHY);
        submit(true);
        Outcome last = null;
        for (int i = 0; i < 2; i++) {
            cycle();
            last = state.apply(new Command.LoseNode("n1", "gone", EndReason.NODE_FAILURE, T0));
            register("n1", HEALTHY);
        }
        assertEquals(EndReason.REQUEUE_LIMIT, job(1).reason());
        assertTrue(kinds(last).contains(Alert.Kind.TASK_FAILED_NODE_FAILURE));
    }

    @Test
    void aRequeuedTaskKeepsOffTheNodeThatFailedIt() {
        submit(true);
        cycle();
        assertEquals("n1", nodeOf(1), "n1 comes first by name");
        state.apply(new Command.LoseNode("n1", "gone", EndReason.NODE_FAILURE, T0));
        register("n1", HEALTHY);
        cycle();
        assertEquals("n2", nodeOf(1));
    }

    @Test
    void aRequeuedTaskGoesBackToTheFailedNodeWhenNoOtherCouldHoldIt() {
        state = new ClusterState("c", 1, 1, 3);
        register("n1", HEALTHY);
        submit(true);
        cycle();
        state.apply(new Command.LoseNode("n1", "gone", EndReason.NODE_FAILURE, T0));
        register("n1", HEALTHY);
        cycle();
        assertEquals(JobState.RUNNING, job(1).state());
        assertEquals(2, job(1).tasks().get(0).attempts().size());
    }

    @Test
    void aLostNodeThatStillHeartbeatsIsAskedToRegisterAgainAndIsThenBack() {
        submit(true);
        cycle();
        long stale = attemptOf(1);
        state.apply(new Command.LoseNode("n1", "no heartbeat", EndReason.NODE_FAILURE, T0));
        cycle();
        assertEquals("n2", nodeOf(1));

        Outcome beat = heartbeat("n1", HEALTHY, T0.plusSeconds(10));
        assertTrue(beat.effects().stream().anyMatch(e -> e instanceof Effect.Reregister r && r.node().equals("n1")));
        assertEquals(NodeState.DOWN, node("n1").state(), "a heartbeat alone does not bring it back");
        assertEquals(List.of(new Effect.Kill("n1", stale, EndReason.NODE_FAILURE)),
                state.staleAttempts("n1", List.of(stale)));

        Outcome back = register("n1", HEALTHY, new RunningTask(stale, "1.c", 123));
        assertEquals(List.of(Alert.Kind.NODE_BACK), kinds(back));
        assertTrue(back.effects().contains(new Effect.Kill("n1", stale, EndReason.NODE_FAILURE)),
                "the stale attempt is killed");
        Outcome late = state.apply(new Command.Finish("n1", new TaskResult(stale, "1.c", 0, EndReason.EXITED, T0)));
        assertEquals(JobState.RUNNING, job(1).state(), "its late result is ignored");
        assertTrue(late.changedJobs().isEmpty());
    }

    @Test
    void aNodeDownSinceTheHeadStartedIsNotAskedToRegisterAndIsNoAlarm() {
        NodeInfo stored = node("n1");
        state = new ClusterState("c", 2, 1, 3);
        state.restore(stored, T0);
        assertTrue(heartbeat("n1", HEALTHY, T0).effects().isEmpty());
        assertTrue(register("n1", HEALTHY).alerts().isEmpty());
    }

    /**
     * ChaosIT seed 10330642155178245: a worker whose registration a head never applied heartbeats on; its node
     * stayed down, out of the failure detector's reach, with two attempts RUNNING for the rest of the run.
     */
    @Test
    void aRestoredNodeThatHeartbeatsWithoutRegisteringIsAskedToRegisterOnceATakeoversRegistrationsAreLate() {
        submit(true);
        cycle();
        String on = nodeOf(1);
        Job running = job(1);
        NodeInfo stored = node(on);
        state = new ClusterState("c", 2, 2, 3);
        state.launchGrace(Duration.ofSeconds(5));
        state.restore(running);
        state.restore(stored, T0);

        assertTrue(heartbeat(on, HEALTHY, T0.plusSeconds(4)).effects().isEmpty(), "its registration may be on its way");
        Outcome late = heartbeat(on, HEALTHY, T0.plusSeconds(5));
        assertTrue(late.effects().stream().anyMatch(e -> e instanceof Effect.Reregister r && r.node().equals(on)),
                "asked to register: " + late.effects());
        assertTrue(late.alerts().isEmpty(), "no alarm: it was never lost here");

        state.apply(new Command.RegisterNode(new Register(on, on, 2, 8L << 30, Map.of(), "", List.of(), List.of(),
                HEALTHY), T0.plusSeconds(6)));
        assertEquals(JobState.QUEUED, job(1).state(), "registered without its attempt: the task moves");
        assertTrue(heartbeat(on, HEALTHY, T0.plusSeconds(20)).effects().isEmpty(), "registered: nothing more to ask");
    }

    @Test
    void anAttemptThatVanishesFromTheHeartbeatsIsRequeuedAfterTheGrace() {
        submit(true);
        cycle();
        String on = nodeOf(1);
        long attempt = attemptOf(1);
        Duration grace = Duration.ofSeconds(5);
        state.apply(new Command.CheckRunning(on, List.of(attempt), grace, T0.plusSeconds(1)));
        state.apply(new Command.CheckRunning(on, List.of(), grace, T0.plusSeconds(2)));
        Outcome early = state.apply(new Command.CheckRunning(on, List.of(), grace, T0.plusSeconds(6)));
        assertTrue(early.alerts().isEmpty(), "missing for 4 s only");
        assertEquals(JobState.RUNNING, job(1).state());
        Outcome late = state.apply(new Command.CheckRunning(on, List.of(), grace, T0.plusSeconds(7)));
        assertEquals(List.of(Alert.Kind.TASK_REQUEUED), kinds(late));
        assertEquals(JobState.QUEUED, job(1).state());
        assertEquals(NodeState.FREE, node(on).state(), "the node itself is fine");
    }

    @Test
    void anAttemptListedAgainIsNotMissing() {
        submit(true);
        cycle();
        String on = nodeOf(1);
        long attempt = attemptOf(1);
        Duration grace = Duration.ofSeconds(5);
        state.apply(new Command.CheckRunning(on, List.of(), grace, T0.plusSeconds(10)));
        state.apply(new Command.CheckRunning(on, List.of(attempt), grace, T0.plusSeconds(12)));
        state.apply(new Command.CheckRunning(on, List.of(), grace, T0.plusSeconds(16)));
        assertEquals(JobState.RUNNING, job(1).state());
    }

    // ---- marks survive a restart

    @Test
    void anOfflineMarkAndADrainSurviveARestartButAStopInProgressDoesNot() {
        state.apply(new Command.SetOffline("n1", "bad fan", "root", T0));
        state.apply(new Command.Drain("n2", "", "root", T0));
        NodeInfo n1 = node("n1");
        NodeInfo n2 = node("n2");
        ClusterState restarted = new ClusterState("c", 2, 1, 3);
        restarted.restore(n1, T0);
        restarted.restore(n2, T0);
        assertEquals(NodeState.DOWN, restarted.node("n1").orElseThrow().state());
        assertEquals(OfflineOrigin.ADMIN, restarted.node("n1").orElseThrow().offlineBy());
        restarted.apply(new Command.RegisterNode(new Register("n1", "n1", 2, 8L << 30, Map.of(), "", List.of(),
                List.of(), HEALTHY), T0));
        restarted.apply(new Command.RegisterNode(new Register("n2", "n2", 2, 8L << 30, Map.of(), "", List.of(),
                List.of(), HEALTHY), T0));
        assertEquals(NodeState.OFFLINE, restarted.node("n1").orElseThrow().state());
        assertEquals("bad fan", restarted.node("n1").orElseThrow().reason());
        assertEquals(NodeState.DRAINING, restarted.node("n2").orElseThrow().state());

        state.apply(new Command.ClearNode("n2", "root", T0));
        submit(true);
        cycle();
        state.apply(new Command.StopNode(nodeOf(1), true, "root", T0));
        ClusterState again = new ClusterState("c", 3, 1, 3);
        again.restore(node(nodeOf(1)), T0);
        assertFalse(again.node(nodeOf(1)).orElseThrow().draining(), "a stop is not resumed after a restart");
    }
}
