package dev.hpc.head.state;

import dev.hpc.api.job.ArraySpec;
import dev.hpc.api.job.Job;
import dev.hpc.api.job.JobSpec;
import dev.hpc.api.job.JoinMode;
import dev.hpc.api.job.Resources;
import dev.hpc.api.wire.WireMessage.LaunchOrder;
import dev.hpc.api.wire.WireMessage.Register;
import dev.hpc.head.sched.Plan;
import dev.hpc.head.sched.Policy;
import dev.hpc.head.sched.Scheduler;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 18, what the head applies of a script's directives when it accepts and starts the job:
 * {@code #SBATCH -o/-e} paths with Slurm's {@code %} patterns are expanded, the job's part when the
 * head accepts it and the task's part when it starts (PBS paths keep their {@code %} as written), and
 * qsub {@code -F} arguments go to the worker with the launch, and so does the signal of {@code --signal} and
 * {@code -l signal} (issue 19).
 */
class SiteDirectivesLaunchTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    private ClusterState state;

    @BeforeEach
    void freshCluster() {
        state = new ClusterState("c", 1, 1, 3);
        state.apply(new Command.RegisterNode(new Register("n1.cluster", "n1.cluster", 8, 8L << 30, Map.of(), "",
                List.of(), List.of()), T0));
    }

    private static JobSpec aJob(String stdout, String stderr, Map<String, String> recorded,
                                Optional<ArraySpec> array) {
        return new JobSpec("sim", "alice", "login", "#!/bin/bash\ntrue\n", "/home/alice", "/home/alice", Map.of(),
                "batch", Resources.DEFAULT, array, List.of(), false, 0, true, stdout, stderr, JoinMode.NONE, "",
                List.of(), "", Instant.EPOCH, "", recorded);
    }

    private Job submit(JobSpec spec) {
        return state.apply(new Command.Admit(state.prepareSubmit(spec, T0))).answer().orElseThrow();
    }

    private List<LaunchOrder> started() {
        Plan plan = Scheduler.plan(state.snapshot(), Policy.DEFAULT, T0);
        return state.apply(new Command.Start(plan.placements(), T0)).effects().stream()
                .filter(e -> e instanceof Effect.Launch).map(e -> ((Effect.Launch) e).order())
                .sorted(Comparator.comparingInt(LaunchOrder::arrayIndex)).toList();
    }

    @Test
    void theJobsPatternsAreExpandedOnAcceptAndTheNodeOnStart() {
        Job job = submit(aJob("/home/alice/logs/%x-%j.out", "/home/alice/%u-%N.err",
                Map.of(JobSpec.SLURM_OUTPUT, "logs/%x-%j.out", JobSpec.SLURM_ERROR, "/home/alice/%u-%N.err"),
                Optional.empty()));
        assertEquals("/home/alice/logs/sim-1.out", job.spec().stdoutPath());
        assertEquals("/home/alice/alice-%N.err", job.spec().stderrPath());
        LaunchOrder order = started().get(0);
        assertEquals("/home/alice/logs/sim-1.out", order.stdoutPath());
        assertEquals("/home/alice/alice-n1.err", order.stderrPath());
    }

    /** Issue 18: -W umask, --open-mode=append and -W sandbox=PRIVATE go to the worker with the launch. */
    @Test
    void theUmaskOpenModeAndSandboxGoWithTheLaunch() {
        submit(aJob("/home/alice/o", "/home/alice/e",
                Map.of("umask", "0027", "sbatch.open-mode", "append", "sandbox", "PRIVATE"), Optional.empty()));
        submit(aJob("/home/alice/o2", "/home/alice/e2", Map.of(), Optional.empty()));
        List<LaunchOrder> orders = started();
        assertEquals(new dev.hpc.api.job.FileModes(java.util.OptionalInt.of(027), true, true), orders.get(0).files());
        assertEquals(dev.hpc.api.job.FileModes.NONE, orders.get(1).files());
    }

    @Test
    void arrayTasksNamedByPercentAGetNoSecondSuffix() {
        Optional<ArraySpec> array = Optional.of(new ArraySpec("1-2", List.of(1, 2), 0));
        submit(aJob("/home/alice/%A_%a.out", "/home/alice/%A.err",
                Map.of(JobSpec.SLURM_OUTPUT, "%A_%a.out", JobSpec.SLURM_ERROR, "%A.err"), array));
        List<LaunchOrder> orders = started();
        assertEquals(List.of("/home/alice/1_1.out", "/home/alice/1_2.out"),
                orders.stream().map(LaunchOrder::stdoutPath).toList());
        assertEquals(List.of("/home/alice/1.err-1", "/home/alice/1.err-2"),
                orders.stream().map(LaunchOrder::stderrPath).toList(), "without %a each task still gets its own file");
    }

    @Test
    void scriptArgumentsGoWithTheLaunch() {
        submit(aJob("", "", Map.of(JobSpec.SCRIPT_ARGUMENTS, "in.dat 'two words'"), Optional.empty()));
        assertEquals(List.of("in.dat", "two words"), started().get(0).arguments());
    }

    @Test
    void theSignalBeforeTheWalltimeGoesWithTheLaunch() {
        submit(aJob("", "", Map.of(dev.hpc.api.job.WalltimeSignal.RECORDED, "B:USR1@120"), Optional.empty()));
        assertEquals(new dev.hpc.api.job.WalltimeSignal("USR1", 120, true), started().get(0).warning());
    }

    @Test
    void aJobThatAskedNoSignalGetsNone() {
        submit(aJob("", "", Map.of(), Optional.empty()));
        assertEquals(dev.hpc.api.job.WalltimeSignal.NONE, started().get(0).warning());
    }

    @Test
    void aPbsPathKeepsItsPercentSigns() {
        Job job = submit(aJob("/home/alice/run%j.out", "", Map.of(), Optional.empty()));
        assertEquals("/home/alice/run%j.out", job.spec().stdoutPath());
        assertEquals("/home/alice/run%j.out", started().get(0).stdoutPath());
    }
}
