package dev.hpc.head.state;

import dev.hpc.api.InvalidRequestException;
import dev.hpc.api.job.Health;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.NodeConstraint;
import dev.hpc.api.job.NodeInfo;
import dev.hpc.api.job.NodeSlot;
import dev.hpc.api.job.NodeTraits;
import dev.hpc.api.job.Resources;
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
 * Issue 18: workers declare node properties and string-valued host resources; the head places a job
 * only on nodes of the kind it asks for, keeps a job that no node suits queued with a comment that
 * says what is missing, and refuses a host resource name nobody declared, naming the known ones.
 */
class NodePropertiesTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    private ClusterState state;

    private static NodeTraits traits(String properties, String... resources) {
        return NodeTraits.parse(properties, List.of(resources), "--properties", "--resource");
    }

    private void register(String node, NodeTraits t) {
        state.apply(new Command.RegisterNode(new Register(node, node, 4, 8L << 30, Map.of(), "", List.of(), List.of(),
                Health.UNKNOWN, t), T0));
    }

    @BeforeEach
    void aClusterOfThreeKinds() {
        state = new ClusterState("c", 1, 1, 3);
        register("n1", traits("ib,bigmem", "gpu_model=v100", "fabric=edr"));
        register("n2", traits("ib", "gpu_model=a100"));
        register("n3", NodeTraits.NONE);
    }

    private static JobSpec aJob(int nodes, NodeConstraint c) {
        return new JobSpec("j", "alice", "login", "#!/bin/bash\ntrue\n", "/home/alice", "/home/alice", Map.of(),
                "batch", new Resources(nodes, 1, 0, Duration.ZERO, 1, Map.of(), c), Optional.empty(), List.of(),
                false, 0, true, "", "", JoinMode.NONE, "", List.of(), "", Instant.EPOCH);
    }

    private Job submit(JobSpec spec) {
        return state.apply(new Command.Admit(state.prepareSubmit(spec, T0))).answer().orElseThrow();
    }

    /** One cycle: what starts (node names by job number) and why the others wait. */
    private Plan cycle() {
        Plan plan = Scheduler.plan(state.snapshot(), Policy.DEFAULT, T0);
        state.apply(new Command.Start(plan.placements(), T0));
        state.apply(new Command.Explain(plan.waiting(), plan.estimates()));
        return plan;
    }

    private static List<String> nodesOf(Plan plan, Job job) {
        return plan.placements().stream().filter(p -> p.task().jobNumber() == job.id().number())
                .flatMap(p -> p.slots().stream()).map(NodeSlot::node).sorted().toList();
    }

    @Test
    void jobsGoOnlyToNodesOfTheirKind() {
        Job ib = submit(aJob(2, NodeConstraint.parseFeatures("ib")));
        Job v100 = submit(aJob(1, NodeConstraint.resource("gpu_model", "a100")));
        Job either = submit(aJob(1, NodeConstraint.parseFeatures("bigmem|opa")));
        Plan plan = cycle();
        assertEquals(List.of("n1", "n2"), nodesOf(plan, ib));
        assertEquals(List.of("n2"), nodesOf(plan, v100));
        assertEquals(List.of("n1"), nodesOf(plan, either));
    }

    /** Issue 18: a kind of node no node of the cluster is would never run: refused, as too many cores are. */
    @Test
    void aJobNoNodeSuitsIsRefusedAtSubmissionSayingWhatTheNodesHave() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> submit(aJob(1,
                NodeConstraint.parseFeatures("gpu80").and(NodeConstraint.resource("gpu_model", "h100")))));
        assertTrue(e.getMessage().contains("no node has gpu_model=h100, property gpu80"), e.getMessage());
        assertTrue(e.getMessage().contains("properties there: "), e.getMessage());
    }

    /** Issue 19: a job in an image waits for a node with a container runtime, and is told how to get one. */
    @Test
    void aJobInAnImageIsRefusedWhereNoNodeHasAContainerRuntime() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> submit(aJob(1,
                dev.hpc.api.job.ContainerImage.constraint("localhost/tools:1"))));
        assertTrue(e.getMessage().contains("no node has property apptainer, property podman"), e.getMessage());
        assertTrue(e.getMessage().contains("install podman or apptainer there"), e.getMessage());
    }

    private static JobSpec slurmJob(String directives) {
        return dev.hpc.api.pbs.SubmitParser.parse(new dev.hpc.api.pbs.SubmitRequest("#!/bin/sh\n" + directives + "\ntrue\n",
                List.of(), "alice", "login", "/home/alice", Map.of()), dev.hpc.api.pbs.SubmitDefaults.STANDARD);
    }

    /**
     * Issue 18: a Slurm GPU type ({@code --gres=gpu:a100:1}, {@code --gpus=v100:2}) places the job on
     * nodes of that gpu_model only, as PBS Pro's ngpus=1:gpu_model=a100 does, and a type no node has
     * is refused at submission with the message a select would get.
     */
    @Test
    void aTypedSlurmGpuRequestGoesOnlyToNodesOfThatGpuModel() {
        for (String n : List.of("n1", "n2", "n3")) {
            NodeTraits t = state.node(n).orElseThrow().traits();
            state.apply(new Command.RegisterNode(new Register(n, n, 4, 8L << 30, Map.of("gpu", 2L), "", List.of(),
                    List.of(), Health.UNKNOWN, t), T0));
        }
        Job a100 = submit(slurmJob("#SBATCH --gres=gpu:a100:1"));
        Job v100 = submit(slurmJob("#SBATCH --gpus-per-node=v100:2"));
        Job perTask = submit(slurmJob("#SBATCH --gpus-per-task=a100:1"));
        Job untyped = submit(slurmJob("#SBATCH --gres=gpu:2\n#SBATCH -w n3"));
        Plan plan = cycle();
        assertEquals(List.of("n2"), nodesOf(plan, a100));
        assertEquals(List.of("n1"), nodesOf(plan, v100));
        assertEquals(List.of("n2"), nodesOf(plan, perTask));
        assertEquals(List.of("n3"), nodesOf(plan, untyped), "an untyped request takes a node without gpu_model");

        InvalidRequestException typed = assertThrows(InvalidRequestException.class,
                () -> submit(slurmJob("#SBATCH --gpus=h100:1")));
        InvalidRequestException select = assertThrows(InvalidRequestException.class,
                () -> submit(slurmJob("#PBS -l select=1:ncpus=1:ngpus=1:gpu_model=h100")));
        assertEquals(select.getMessage(), typed.getMessage());
        assertTrue(typed.getMessage().startsWith("the job asks for gpu_model=h100 but no node has gpu_model=h100"),
                typed.getMessage());
    }

    @Test
    void aMultiNodeJobWaitsWhenTooFewNodesAreOfItsKind() {
        Job job = submit(aJob(2, NodeConstraint.parseFeatures("bigmem")));
        Plan plan = cycle();
        assertTrue(plan.placements().isEmpty(), plan.toString());
        assertTrue(plan.waiting().get(new TaskKey(job.id().number(), -1)).startsWith("waiting for resources"));
    }

    @Test
    void anUnknownHostResourceIsRefusedNamingTheKnownOnes() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> state.prepareSubmit(aJob(1, NodeConstraint.resource("gpu_modle", "v100")), T0));
        assertEquals("the job asks for host resource gpu_modle, which no node and no site configuration declares; "
                + "known are fabric, gpu_model (workers declare them with --resource NAME=VALUE, the head's "
                + "configuration with host-resources=NAME,...)", e.getMessage());
        state.useHostResources(Set.of("gpu_modle"));
        submit(aJob(1, NodeConstraint.resource("gpu_modle", "v100")));
    }

    @Test
    void theNodeRecordCarriesTheTraitsAndARestoredNodeKeepsThem() {
        NodeInfo n1 = state.node("n1").orElseThrow();
        assertEquals(Set.of("bigmem", "ib"), n1.traits().properties());
        ClusterState restarted = new ClusterState("c", 2, 1, 3);
        restarted.restore(n1, T0);
        assertEquals(n1.traits(), restarted.node("n1").orElseThrow().traits());
        // while its worker is away, the names it declared are still known
        restarted.prepareSubmit(aJob(1, NodeConstraint.resource("fabric", "edr")), T0);
    }

    @Test
    void aWorkerThatRegistersAgainWithOtherTraitsReplacesThem() {
        register("n1", traits("opa"));
        assertEquals(Set.of("opa"), state.node("n1").orElseThrow().traits().properties());
        assertEquals(Map.of(), state.node("n1").orElseThrow().traits().resources());
    }
}
