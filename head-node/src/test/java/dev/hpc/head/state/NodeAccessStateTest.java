package dev.hpc.head.state;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Health;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JobState;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.NodeAccess;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.NodeState;
import dev.hpc.api.job.Resources;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.head.sched.Placement;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.Scheduler;
import dev.hpc.head.sched.TaskKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18 in the state: node names a job gives are checked at submission, a start re-checks the
 * holds of exclusive jobs, pbsnodes shows a node an exclusive job holds as job-exclusive, and
 * {@code -W group_list} travels to the worker.
 */
class NodeAccessStateTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    private ClusterState state;

    private void register(String node) {
        state.apply(new Command.RegisterNode(new Register(node, node, 4, 8L << 30, Map.of(), "", List.of(), List.of(),
                Health.UNKNOWN, dev.hpc.api.job.NodeTraits.NONE), T0));
    }

    @BeforeEach
    void twoNodes() {
        state = new ClusterState("c", 1, 1, 3);
        register("n1");
        register("n2");
    }

    private static JobSpec aJob(String owner, int nodes, NodeAccess access, Map<String, String> recorded) {
        return new JobSpec("j", owner, "login", "#!/bin/bash\ntrue\n", "/home/" + owner, "/home/" + owner, Map.of(),
                "batch", Resources.DEFAULT.withNodes(nodes).withAccess(access), Optional.empty(), List.of(), false, 0,
                true, "", "", JoinMode.NONE, "", List.of(), "", Instant.EPOCH, "", recorded);
    }

    private Job submit(JobSpec spec) {
        return state.apply(new Command.Admit(state.prepareSubmit(spec, T0))).answer().orElseThrow();
    }

    private List<LaunchOrder> cycle() {
        Plan plan = Scheduler.plan(state.snapshot(), Policy.DEFAULT, T0);
        return state.apply(new Command.Start(plan.placements(), T0)).effects().stream()
                .filter(e -> e instanceof Effect.Launch).map(e -> ((Effect.Launch) e).order()).toList();
    }

    @Test
    void aNodeNameTheClusterDoesNotHaveIsRefusedNamingTheKnownOnes() {
        String why = assertThrows(InvalidRequestException.class, () -> state.prepareSubmit(aJob("alice", 1,
                NodeAccess.ANY.withRequired(Set.of("n7")), Map.of()), T0)).getMessage();
        assertEquals("the job names node n7 (--nodelist, --exclude or host=) but the cluster has no node of that "
                + "name; name nodes pbsnodes -a lists: n1, n2", why);
        assertThrows(InvalidRequestException.class, () -> state.prepareSubmit(aJob("alice", 1,
                NodeAccess.ANY.withExcluded(Set.of("n1", "nx")), Map.of()), T0));
        String excludedAll = assertThrows(InvalidRequestException.class, () -> state.prepareSubmit(aJob("alice", 2,
                NodeAccess.ANY.withExcluded(Set.of("n1")), Map.of()), T0)).getMessage();
        assertTrue(excludedAll.contains("only 1 such node is not excluded"), excludedAll);
        assertTrue(state.job(1).isEmpty(), "nothing was queued");
    }

    @Test
    void beforeAnyWorkerRegisteredAnyNameIsTaken() {
        state = new ClusterState("c", 1, 1, 3);
        Job j = submit(aJob("alice", 1, NodeAccess.ANY.withRequired(Set.of("later1")), Map.of()));
        assertEquals(Set.of("later1"), j.spec().resources().access().required());
    }

    @Test
    void anExclusiveJobHoldsItsNodeAndPbsnodesSaysJobExclusive() {
        Job excl = submit(aJob("alice", 1, NodeAccess.ANY.withSharing(NodeAccess.Sharing.EXCLUSIVE)
                .withRequired(Set.of("n1")), Map.of()));
        assertEquals(1, cycle().size());
        assertEquals("job-exclusive", state.node("n1").orElseThrow().state().pbsName(), "1 of 4 cores used, held whole");
        assertEquals(NodeState.FREE, state.node("n2").orElseThrow().state());
        submit(aJob("alice", 1, NodeAccess.ANY.withRequired(Set.of("n1")), Map.of()));
        assertEquals(List.of(), cycle(), "nothing else starts on n1 while the exclusive job runs");
        assertEquals(JobState.RUNNING, state.job(excl.id().number()).orElseThrow().state());
    }

    @Test
    void aStalePlacementOnAHeldNodeIsRejectedWhenApplied() {
        submit(aJob("alice", 1, NodeAccess.ANY.withSharing(NodeAccess.Sharing.EXCLUSIVE)
                .withRequired(Set.of("n1")), Map.of()));
        cycle();
        Job later = submit(aJob("bob", 1, NodeAccess.ANY, Map.of()));
        // a plan computed before the exclusive job started would put bob's job on n1: the apply refuses it
        List<Placement> stale = List.of(new Placement(new TaskKey(later.id().number(), -1),
                List.of(new NodeSlot("n1", 1, 0))));
        assertTrue(state.apply(new Command.Start(stale, T0)).effects().stream()
                .noneMatch(e -> e instanceof Effect.Launch));
        assertEquals(JobState.QUEUED, state.job(later.id().number()).orElseThrow().state());
        assertEquals(List.of("n2"), cycle().stream().map(o -> o.nodes().get(0).node()).toList());
        // and an exclusive job may not start on a node that runs something
        Job second = submit(aJob("carol", 1, NodeAccess.ANY.withSharing(NodeAccess.Sharing.EXCLUSIVE), Map.of()));
        List<Placement> onBusy = List.of(new Placement(new TaskKey(second.id().number(), -1),
                List.of(new NodeSlot("n2", 1, 0))));
        assertTrue(state.apply(new Command.Start(onBusy, T0)).effects().stream()
                .noneMatch(e -> e instanceof Effect.Launch));
        assertEquals(List.of(), cycle(), "both nodes run something");
    }

    @Test
    void groupListTravelsToTheWorkerAsWritten() {
        submit(aJob("alice", 1, NodeAccess.ANY, Map.of(JobSpec.GROUP_LIST, "proj,other@n2")));
        assertEquals("proj,other@n2", cycle().get(0).group());
    }
}
