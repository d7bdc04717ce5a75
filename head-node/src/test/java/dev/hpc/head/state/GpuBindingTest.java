package dev.hpc.head.state;

import dev.hpc.api.job.EndReason;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.json.Codec;
import dev.hpc.api.json.Json;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.api.wire.WireMessage.TaskResult;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.Scheduler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Issue 19: a job that asks for one GPU of a node with four sees one. The state gives each attempt the indices
 * of the GPUs it holds, no two running attempts the same, sets CUDA_VISIBLE_DEVICES to them, and a standby that
 * takes over knows which are held.
 */
class GpuBindingTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    private ClusterState state;

    @BeforeEach
    void aNodeWithFourGpusAndACpuNode() {
        state = new ClusterState("c", 1, 1, 3);
        state.apply(new Command.RegisterNode(new Register("g1", "g1", 8, 8L << 30, Map.of("gpu", 4L), "", List.of(),
                List.of()), T0));
    }

    private static JobSpec aJob(long gpus) {
        return new JobSpec("job", "alice", "login", "#!/bin/bash\ntrue\n", "/home/alice", "/home/alice",
                Map.of("CUDA_VISIBLE_DEVICES", "0,1,2,3"), "batch", Resources.DEFAULT.withGeneric(gpus > 0
                ? Map.of("gpu", gpus) : Map.of()), Optional.empty(), List.of(), false, 0, true, "", "", JoinMode.NONE,
                "", List.of(), "", Instant.EPOCH);
    }

    private List<LaunchOrder> cycle() {
        Plan plan = Scheduler.plan(state.snapshot(T0), Policy.DEFAULT, T0);
        List<LaunchOrder> orders = new ArrayList<>();
        for (Effect e : state.apply(new Command.Start(plan.placements(), T0)).effects()) {
            if (e instanceof Effect.Launch l) {
                orders.add(l.order());
            }
        }
        return orders;
    }

    private Job submit(JobSpec spec) {
        return state.apply(new Command.Admit(state.prepareSubmit(spec, T0))).answer().orElseThrow();
    }

    @Test
    void eachAttemptSeesItsOwnGpusAndNoTwoShareOne() {
        submit(aJob(1));
        submit(aJob(2));
        submit(aJob(0));
        List<LaunchOrder> orders = cycle();
        assertEquals(3, orders.size());
        assertEquals("0", orders.get(0).environment().get("CUDA_VISIBLE_DEVICES"), "its one GPU, not the four");
        assertEquals("1,2", orders.get(1).environment().get("CUDA_VISIBLE_DEVICES"));
        assertEquals("1,2", orders.get(1).environment().get("ROCR_VISIBLE_DEVICES"), "AMD's too");
        assertEquals("1,2", orders.get(1).environment().get("GPU_DEVICE_ORDINAL"), "OpenCL's too");
        assertEquals("", orders.get(2).environment().get("CUDA_VISIBLE_DEVICES"), "none asked, none seen");
        assertEquals(List.of(1, 2), state.job(2).orElseThrow().tasks().get(0).attempts().get(0).nodes().get(0).gpus());

        // the first ends: its GPU goes to the next job that asks, which gets index 0 again
        Job first = state.job(1).orElseThrow();
        state.apply(new Command.Finish("g1", new TaskResult(first.tasks().get(0).currentAttemptId(), "1.c", 0,
                EndReason.EXITED, T0)));
        submit(aJob(2));
        assertEquals("0,3", cycle().get(0).environment().get("CUDA_VISIBLE_DEVICES"));
    }

    @Test
    void aStandbyThatTakesOverKnowsWhichGpusAreHeld() {
        submit(aJob(3));
        cycle();
        Job running = state.job(1).orElseThrow();
        ClusterState standby = new ClusterState("c", 2, 1, 3);
        standby.restore(Codec.readJob(Json.readObject(Json.write(Codec.toStoredMap(running)))));
        standby.apply(new Command.RegisterNode(new Register("g1", "g1", 8, 8L << 30, Map.of("gpu", 4L), "",
                List.of(), List.of()), T0));
        state = standby;
        submit(aJob(1));
        List<LaunchOrder> orders = cycle();
        assertEquals(1, orders.size());
        assertEquals("3", orders.get(0).environment().get("CUDA_VISIBLE_DEVICES"), "0 to 2 are held by job 1");
        assertFalse(orders.get(0).nodes().get(0).gpus().contains(0));
    }

    /**
     * Issue 18: a command spawned on a node of the job's allocation (hpc dsh, pbsdsh, mpirun's daemons) sees the
     * GPUs the attempt holds on that node, not those of the caller's node, and runs under the job's per-process
     * limits; on a node without GPUs it keeps the job's own value, as the script there would.
     */
    @Test
    void aCommandSpawnedOnANodeSeesTheGpusOfTheAttemptThereAndTheJobsLimits() {
        state.apply(new Command.RegisterNode(new Register("g2", "g2", 8, 8L << 30, Map.of("gpu", 4L), "", List.of(),
                List.of()), T0));
        submit(aJob(1));
        List<LaunchOrder> first = cycle();
        String busy = first.get(0).nodes().get(0).node();
        Job two = submit(dev.hpc.api.pbs.SubmitParser.parse(new dev.hpc.api.pbs.SubmitRequest("#!/bin/sh\n"
                + "#PBS -l nodes=2:ppn=1:gpus=1\n#PBS -l file=1mb,pcput=60\ntrue\n", List.of(), "alice", "login",
                "/home/alice", Map.of("CUDA_VISIBLE_DEVICES", "0,1,2,3")), dev.hpc.api.pbs.SubmitDefaults.STANDARD));
        LaunchOrder order = cycle().get(0);
        SpawnTarget target = state.spawnTarget(order.attemptId()).orElseThrow();
        String other = busy.equals("g1") ? "g2" : "g1";
        Map<String, String> caller = Map.of("CUDA_VISIBLE_DEVICES", "9", "GPU_DEVICE_ORDINAL", "9", "A", "b");
        Map<String, String> onBusy = target.environmentOn(busy, caller);
        assertEquals("1", onBusy.get("CUDA_VISIBLE_DEVICES"), "GPU 0 of " + busy + " is held by job 1");
        assertEquals("1", onBusy.get("ROCR_VISIBLE_DEVICES"));
        assertEquals("1", onBusy.get("GPU_DEVICE_ORDINAL"));
        assertEquals("b", onBusy.get("A"));
        assertEquals("0", target.environmentOn(other, caller).get("CUDA_VISIBLE_DEVICES"));
        assertEquals(Integer.toString(target.nodeIndex(other)), target.environmentOn(other, caller).get("PBS_NODENUM"));
        assertEquals(order.environment().get("CUDA_VISIBLE_DEVICES"),
                target.environmentOn(order.nodes().get(0).node(), caller).get("CUDA_VISIBLE_DEVICES"),
                "the script's own node: what the script sees");
        assertEquals(new dev.hpc.api.job.ProcessLimits(0, 60, 1L << 20), target.limits());
        assertEquals(two.id().number(), target.jobNumber());

        SpawnTarget cpuNode = new SpawnTarget(1, 1, "1.c", "alice", List.of(new dev.hpc.api.job.NodeSlot("c1", 1, 0)),
                dev.hpc.api.job.ProcessLimits.NONE, Map.of("c1", Map.of("CUDA_VISIBLE_DEVICES", "0,1,2,3")));
        assertEquals("0,1,2,3", cpuNode.environmentOn("c1", caller).get("CUDA_VISIBLE_DEVICES"),
                "a node without GPUs: the job's own value, not the caller's");
        assertFalse(cpuNode.environmentOn("c1", caller).containsKey("GPU_DEVICE_ORDINAL"));
    }
}
